using KestrelMessenger.Connections;
using KestrelMessenger.Frames;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>Idle connections close (ms_connection_idle_timeout); what we send always fits the limits we accept.</summary>
public class ConnectionLifeTests
{
    [Fact]
    public async Task A_silent_connection_is_closed_as_idle_while_a_talking_one_stays()
    {
        // Only the server sweeps quickly, so it is the one to find the silent connection idle. Quickly, but not
        // so quickly that a handshake and a ping on a loaded machine count as idle (1 s did, under a full run).
        await using MessengerTestHost host = await StartAsync(o => o.ConnectionIdleTimeout = TimeSpan.FromSeconds(o.Entity == "osd.0" ? 3 : 3600));
        Messenger osd = host.Messenger("osd");
        Messenger client = host.Messenger("client");
        IConnection silent = client.ConnectTo(EntityType.Osd, osd.MyAddrs);
        await silent.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));

        await using RawMsgr2Peer talker = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!);
        await talker.HandshakeAsync(osd.MyAddrs[0]);
        MessengerConnection talking = (MessengerConnection)await Eventually.UntilAsync(
            () => osd.Connections.FirstOrDefault(c => c.PeerAddrs[0].Nonce == RawMsgr2Peer.Nonce), TimeSpan.FromSeconds(10), () => "no raw peer");

        // The client side of the silent connection is silent too: the server's sweep closes it as idle.
        IConnection served = await Eventually.UntilAsync(() => osd.Connections.FirstOrDefault(c => c != talking), TimeSpan.FromSeconds(10), () => "no client");
        uint stamp = 1;
        while (!served.IsClosed)
        {
            await talker.SendAsync(RawMsgr2Peer.FrameBytes(new KestrelMessenger.Protocol.Frames.Keepalive2Frame(new UTime(stamp++, 0))));
            await Task.Delay(100);
        }

        Assert.Equal(FailureKind.Idle, served.Failure!.Kind);
        Assert.Contains("ms_connection_idle_timeout 3 s", served.Failure.Reason);
        await host.Logs.WaitForAsync("idle for");
        Assert.True(talking.IsConnected, "a connection with keepalives flowing is not idle");
    }

    [Fact]
    public async Task A_message_larger_than_our_own_limits_is_refused_at_send_and_the_connection_goes_on()
    {
        await using MessengerTestHost host = await StartAsync(o => o.MaxDataLength = 1 << 20);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        await toOsd.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var huge = new Message(0x7000) { Data = MessageBuffer.CopyOf(new byte[(1 << 20) + 1]) };
        Assert.False(toOsd.SendMessage(huge));
        await host.Logs.WaitForAsync("a segment is longer than the frame limits accept");
        Assert.True(toOsd.SendMessage(new Message(0x7000) { Data = MessageBuffer.CopyOf(new byte[1 << 20]) }));
        await host.Get<RecordingDispatcher>().WaitForMessagesAsync(1);
        Assert.True(toOsd.IsConnected);
    }

    [Fact]
    public async Task A_typed_message_whose_front_outgrows_the_limits_is_dropped_not_sent()
    {
        await using MessengerTestHost host = await StartAsync(o => o.MaxFrontLength = 4096);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        await toOsd.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(toOsd.SendMessage(new Bloated(8192)));
        Assert.True(toOsd.SendMessage(new Bloated(16)));
        await host.Logs.WaitForAsync("front 8192 middle");
        await host.Get<RecordingDispatcher>().WaitForMessagesAsync(1);
        Assert.Equal([16], host.Get<RecordingDispatcher>().Messages.Select(m => m.Front.Length));
        Assert.Equal([1ul], host.Get<RecordingDispatcher>().Messages.Select(m => m.Seq));
        Assert.True(toOsd.IsConnected);
    }

    [Fact]
    public async Task A_connection_whose_pipeline_throws_a_bug_closes_with_an_error_logged_instead_of_hanging()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); });
            services.AddCephMessenger("client", o =>
            {
                o.Entity = "client.-1";
                o.ConnectionMiddleware.Add(b => b.Use(_ => _ => throw new NotSupportedException("a bug in middleware")));
            });
        });
        IConnection connection = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        await connection.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new ConnectionFailure(FailureKind.ProtocolError, "internal error on the connection: NotSupportedException"), connection.Failure);
        Assert.StartsWith("Error:", await host.Logs.WaitForAsync("the connection pipeline to"));
    }

    public static TheoryData<byte, byte, ProtocolPhase, string?> Rules => new()
    {
        { 1, 1, ProtocolPhase.Handshake, null },
        { 17, 4, ProtocolPhase.Ready, null },
        { 18, 1, ProtocolPhase.Ready, null },
        { 20, 1, ProtocolPhase.Ready, null },
        { 17, 2, ProtocolPhase.Handshake, "Message frame received before the session is READY" },
        { 18, 1, ProtocolPhase.Handshake, "Keepalive2 frame received before the session is READY" },
        { 20, 1, ProtocolPhase.Handshake, "Ack frame received before the session is READY" },
        { 1, 1, ProtocolPhase.Ready, "unexpected Hello frame in READY" },
        { 11, 1, ProtocolPhase.Ready, "unexpected SessionReconnect frame in READY" },
        { 21, 1, ProtocolPhase.Handshake, "unknown or unsupported frame tag 21" },
        { 99, 1, ProtocolPhase.Ready, "unknown or unsupported frame tag 99" },
        { 0, 1, ProtocolPhase.Handshake, "unknown or unsupported frame tag 0" },
        { 2, 3, ProtocolPhase.Handshake, "control frame AuthRequest has 3 segments" },
        { 19, 2, ProtocolPhase.Ready, "control frame Keepalive2Ack has 2 segments" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Which_frames_are_legal_when(byte tag, byte segments, ProtocolPhase phase, string? violation) =>
        Assert.Equal(violation, FrameRules.Violation(new FramePreamble((Tag)tag, segments, 8, segments > 1 ? 8 : 0, segments > 2 ? 8 : 0, segments > 3 ? 8 : 0), phase));

    private static Task<MessengerTestHost> StartAsync(Action<MessengerOptions> configure) =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                configure(o);
            }).AddDispatcher<RecordingDispatcher>();
            services.AddCephMessenger("client", o => { o.Entity = "client.-1"; configure(o); }).AddDispatcher<ClientRecorder>();
        });

    /// <summary>A typed message whose front is as long as it is told to be.</summary>
    private sealed class Bloated(int size) : Message(0x7000)
    {
        protected override bool EncodesPayload => true;

        protected override void EncodePayload(DencWriter front, ulong features) => front.WriteBytes(new byte[size]);
    }
}
