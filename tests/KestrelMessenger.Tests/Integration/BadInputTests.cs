using System.Net;
using System.Text;
using KestrelMessenger.Frames;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Integration;

/// <summary>
/// Hostile or broken peers on a real socket: each is closed with a logged, specific reason, while a
/// well-behaved client connected before it keeps being served.
/// </summary>
public class BadInputTests
{
    private static byte[] Banner => RawMsgr2Peer.BannerBytes();

    private static byte[] Hello(IPEndPoint server) =>
        RawMsgr2Peer.FrameBytes(new HelloFrame(EntityType.Client, EntityAddr.V2(server)));

    public static TheoryData<string, Func<IPEndPoint, byte[]>, string> HandshakeCases => new()
    {
        { "an HTTP request", _ => Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: ceph\r\n\r\n"), "peer speaks HTTP" },
        { "a msgr1 banner", _ => Encoding.ASCII.GetBytes("ceph v027\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), "msgr1" },
        { "a bad preamble crc", ep => [.. Banner, .. Corrupt(Hello(ep), 3)], "preamble crc" },
        { "a bad segment crc", ep => [.. Banner, .. Corrupt(Hello(ep), 40)], "segment 0 crc" },
        { "a length over the limit", _ => [.. Banner, .. FrameErrorTests.Preamble(1, 1, 17u << 20)], "exceeds the limit" },
        { "num_segments 0", _ => [.. Banner, .. FrameErrorTests.Preamble(1, 0, 8)], "num_segments 0" },
        { "num_segments 5", _ => [.. Banner, .. FrameErrorTests.Preamble(1, 5, 8)], "num_segments 5" },
        { "an unknown tag", _ => [.. Banner, .. RawControl(99, [1, 2, 3])], "unknown or unsupported frame tag 99" },
        { "a MESSAGE before READY", ep => [.. Banner, .. Hello(ep), .. RawMsgr2Peer.MessageBytes(0x7000, 1, [1])], "Message frame received before the session is READY" },
        { "a KEEPALIVE2 before READY", _ => [.. Banner, .. RawMsgr2Peer.FrameBytes(new Keepalive2Frame(UTime.Now))], "Keepalive2 frame received before the session is READY" },
        { "a stall mid-handshake", ep => [.. Banner, .. Hello(ep)], "handshake timed out" },
    };

    [Theory]
    [MemberData(nameof(HandshakeCases))]
    public async Task A_broken_peer_is_closed_with_a_specific_reason_and_others_keep_being_served(string what, Func<IPEndPoint, byte[]> bytes, string reason)
    {
        await using MessengerTestHost host = await StartAsync();
        IPEndPoint server = host.Messenger("osd").MyAddrs[0].EndPoint!;
        IConnection good = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        await good.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));

        await using RawMsgr2Peer bad = await RawMsgr2Peer.ConnectAsync(server);
        await bad.SendAsync(bytes(server));

        Assert.True(await bad.WaitClosedAsync(TimeSpan.FromSeconds(10)), $"{what}: the connection should be closed");
        string line = await host.Logs.WaitForAsync(reason);
        Assert.Contains("server handshake", line);
        await good.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(good.IsConnected);
    }

    [Theory]
    [InlineData(1, 4)] // inside the front (the epilogue's first crc)
    [InlineData(3, 200_000)] // inside a large data segment, checked as it is copied out
    [InlineData(3, 1_000_000)] // inside a data segment adopted where the socket received it, checked before anyone sees it
    public async Task Messages_accepted_before_a_corrupt_frame_are_all_delivered(int segment, int dataLength)
    {
        await using MessengerTestHost host = await StartAsync();
        Messenger osd = host.Messenger("osd");
        IConnection good = host.Messenger("client").ConnectTo(EntityType.Osd, osd.MyAddrs);
        await good.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));

        await using RawMsgr2Peer bad = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!);
        ServerIdentFrame ident = await bad.HandshakeAsync(osd.MyAddrs[0]);
        Assert.Equal(osd.MyAddrs, ident.Addrs);

        byte[] corrupt = RawMsgr2Peer.MessageBytes(0x7000, 4, [4, 4, 4], data: new byte[dataLength]);
        corrupt[segment == 1 ? ^10 : ^(FrameLayout.EpilogueLength + (dataLength / 2))] ^= 0xFF;
        await bad.SendAsync([
            .. RawMsgr2Peer.MessageBytes(0x7000, 1, [1]),
            .. RawMsgr2Peer.MessageBytes(0x7000, 2, [2]),
            .. RawMsgr2Peer.MessageBytes(0x7000, 3, [3]),
            .. corrupt]);

        Assert.True(await bad.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        await host.Logs.WaitForAsync($"segment {segment} crc");
        RecordingDispatcher recorder = host.Get<RecordingDispatcher>();
        await recorder.WaitForMessagesAsync(3);
        Assert.Equal([1ul, 2ul, 3ul], recorder.Messages.Where(m => m.Type == 0x7000).Select(m => m.Seq).Order());
        await good.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_client_dialling_an_address_that_is_not_ours_is_refused()
    {
        await using MessengerTestHost host = await StartAsync();
        Messenger osd = host.Messenger("osd");
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!);
        EntityAddr wrongNonce = osd.MyAddrs[0] with { Nonce = osd.Nonce + 1 };
        await Assert.ThrowsAsync<IOException>(() => peer.HandshakeAsync(wrongNonce));
        await host.Logs.WaitForAsync("which is not us");
    }

    [Fact]
    public async Task A_client_missing_required_features_gets_ident_missing_features()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                o.DefaultPolicy = KestrelMessenger.Protocol.Policy.StatelessServer(required: CephFeatures.All);
            });
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
        });
        Messenger osd = host.Messenger("osd");
        Messenger client = host.Messenger("client");
        client.SetPolicy(EntityType.Osd, KestrelMessenger.Protocol.Policy.LossyClient() with { FeaturesSupported = CephFeatures.MsgAddr2 });
        IConnection c = client.ConnectTo(EntityType.Osd, osd.MyAddrs);
        await host.Get<ClientRecorder>().Inner.WaitForEventAsync("refused");
        await host.Logs.WaitForAsync("peer requires features we lack: 0x37");
        await host.Logs.WaitForAsync("peer lacks required features");
        Assert.True(c.IsClosed);
    }

    private static Task<MessengerTestHost> StartAsync() =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                o.HandshakeTimeout = TimeSpan.FromSeconds(3); // the stall case waits it out; a good client on a busy machine makes it
            }).AddDispatcher<RecordingDispatcher>();
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
        });

    private static byte[] Corrupt(byte[] frame, int at)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[at] ^= 0x5A;
        return copy;
    }

    private static byte[] RawControl(byte tag, byte[] payload)
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        FrameEncoder.WriteControl(w, (Tag)tag, payload);
        return w.WrittenSpan.ToArray();
    }
}
