using Microsoft.Extensions.DependencyInjection;
using System.Net;
using KestrelMessenger.Frames;
using KestrelMessenger.Hosting;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>
/// Before a peer has authenticated it can make us hold a few tens of KiB at most: frames are judged
/// from their preamble (legal now? small enough?) and refused before their body is waited for.
/// </summary>
public class HandshakeLimitTests
{
    private static byte[] Banner => RawMsgr2Peer.BannerBytes();

    private static byte[] Hello(IPEndPoint server, EntityType type = EntityType.Client) =>
        RawMsgr2Peer.FrameBytes(new HelloFrame(type, EntityAddr.V2(server)));

    /// <summary>Only a preamble is sent in each case: the verdict cannot have waited for a body.</summary>
    public static TheoryData<string, Func<IPEndPoint, byte[]>, string> PreambleOnlyCases => new()
    {
        { "a 16 MiB HELLO", _ => [.. Banner, .. FrameErrorTests.Preamble(1, 1, 16u << 20)], "segment 0 length 16777216 exceeds the limit of 32768" },
        { "a 40 KiB AUTH_REQUEST", ep => [.. Banner, .. Hello(ep), .. FrameErrorTests.Preamble(2, 1, 40u << 10)], "segment 0 length 40960 exceeds the limit of 32768" },
        { "a MESSAGE before READY", ep => [.. Banner, .. Hello(ep), .. FrameErrorTests.Preamble(17, 4, 41, 0, 0, 60u << 20)], "Message frame received before the session is READY" },
        { "a two-segment control frame", _ => [.. Banner, .. FrameErrorTests.Preamble(1, 2, 8, 8)], "control frame Hello has 2 segments" },
    };

    [Theory]
    [MemberData(nameof(PreambleOnlyCases))]
    public Task A_frame_refused_from_its_preamble_closes_the_connection_before_its_body_arrives(string what, Func<IPEndPoint, byte[]> bytes, string reason) =>
        ClosedWithReasonAsync(what, bytes, reason);

    [Fact]
    public async Task Twenty_unauthenticated_peers_announcing_16_MiB_hellos_are_all_turned_away_at_the_preamble()
    {
        await using MessengerTestHost host = await StartAsync();
        IPEndPoint server = host.Messenger("osd").MyAddrs[0].EndPoint!;
        RawMsgr2Peer[] peers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => RawMsgr2Peer.ConnectAsync(server)));
        try
        {
            await Task.WhenAll(peers.Select(p => p.SendAsync([.. Banner, .. FrameErrorTests.Preamble(1, 1, 16u << 20)])));
            bool[] closed = await Task.WhenAll(peers.Select(p => p.WaitClosedAsync(TimeSpan.FromSeconds(10))));
            Assert.All(closed, Assert.True);
            await Eventually.UntilAsync(() => host.Logs.Lines.Count(l => l.Contains("exceeds the limit of 32768", StringComparison.Ordinal)) == 20,
                TimeSpan.FromSeconds(10), () => "not every peer was refused for the pre-auth limit");
        }
        finally
        {
            foreach (RawMsgr2Peer p in peers)
            {
                await p.DisposeAsync();
            }
        }
    }

    public static TheoryData<string, Func<IPEndPoint, byte[]>, string> MalformedHelloCases => new()
    {
        { "trailing bytes after the HELLO payload", ep => [.. Banner, .. WithTrailingBytes(new HelloFrame(EntityType.Client, EntityAddr.V2(ep)))], "malformed Hello frame: 3 bytes after its payload" },
        { "a HELLO from entity type auth", ep => [.. Banner, .. Hello(ep, EntityType.Auth)], "entity type 0x20, which is no Ceph entity type" },
        { "a HELLO from entity type 7", ep => [.. Banner, .. Hello(ep, (EntityType)7)], "entity type 0x07, which is no Ceph entity type" },
        { "a HELLO from entity type any", ep => [.. Banner, .. Hello(ep, EntityType.Any)], "entity type 0xff, which is no Ceph entity type" },
    };

    [Theory]
    [MemberData(nameof(MalformedHelloCases))]
    public Task A_malformed_hello_closes_the_connection_with_the_reason(string what, Func<IPEndPoint, byte[]> bytes, string reason) =>
        ClosedWithReasonAsync(what, bytes, reason);

    /// <summary>Sends <paramref name="bytes"/> from a raw peer; the server must close it and log <paramref name="reason"/>.</summary>
    private static async Task ClosedWithReasonAsync(string what, Func<IPEndPoint, byte[]> bytes, string reason)
    {
        await using MessengerTestHost host = await StartAsync();
        IPEndPoint server = host.Messenger("osd").MyAddrs[0].EndPoint!;
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(server);
        await peer.SendAsync(bytes(server));
        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)), $"{what}: the connection should be closed");
        await host.Logs.WaitForAsync(reason);
    }

    [Fact]
    public async Task The_full_limits_apply_once_the_peer_has_authenticated()
    {
        byte[] big = RawMsgr2Peer.FrameBytes(new AuthRequestMoreFrame(new byte[4000]));
        FrameLimits preAuth = FrameLimits.Default with { MaxControlLength = 1024 };

        FrameChannel before = await ChannelWithAsync(big, preAuth);
        ProtocolException refused = await Assert.ThrowsAsync<ProtocolException>(() => before.ReadAsync(CancellationToken.None).AsTask());
        Assert.Contains("exceeds the limit of 1024", refused.Message);

        FrameChannel after = await ChannelWithAsync(big, preAuth);
        after.MarkAuthenticated();
        ControlFrameData frame = await after.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4000, frame.As<AuthRequestMoreFrame>().Payload.Length);
    }

    private static async Task<FrameChannel> ChannelWithAsync(byte[] received, FrameLimits preAuth)
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(received);
        return new FrameChannel(new Duplex(pipe.Reader, new System.IO.Pipelines.Pipe().Writer), FrameLimits.Default, preAuth);
    }

    [Fact]
    public async Task A_peer_that_keeps_asking_for_refused_auth_is_logged_once_per_refusal_and_closed_after_three()
    {
        await using MessengerTestHost host = await StartAsync(services => services.AddSingleton<IAuthServer, RefuseEveryone>());
        IPEndPoint server = host.Messenger("osd").MyAddrs[0].EndPoint!;
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(server);
        await peer.SendAsync([.. Banner, .. Hello(server)]);
        await peer.ReadBannerAsync();
        (await peer.ReadFrameAsync()).As<HelloFrame>();

        byte[] payload = new AuthNoneClient(AuthEntityName.Parse("client.admin")).RequestPayload(EntityType.Osd);
        byte[] ask = RawMsgr2Peer.FrameBytes(new AuthRequestFrame(AuthMethod.None, [1u], payload));
        for (int i = 0; i < ServerHandshake.MaxAuthRefusals; i++)
        {
            await peer.SendAsync(ask);
            AuthBadMethodFrame refusal = (await peer.ReadFrameAsync()).As<AuthBadMethodFrame>();
            Assert.Equal(Errno.EACCES, refusal.Result);
        }

        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        await host.Logs.WaitForAsync($"closing after {ServerHandshake.MaxAuthRefusals} refused AUTH_REQUESTs");
        string[] refusals = [.. host.Logs.Lines.Where(l => l.Contains("refused auth from", StringComparison.Ordinal))];
        Assert.Equal(ServerHandshake.MaxAuthRefusals, refusals.Length);
        Assert.All(refusals, l => Assert.Contains("(client): method 1, modes [1], -13: nobody is welcome", l));
    }

    private static byte[] WithTrailingBytes(IControlFrame frame)
    {
        using var payload = new DencWriter();
        frame.Encode(payload);
        payload.WriteBytes([1, 2, 3]);
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        FrameEncoder.WriteControl(w, frame.Tag, payload.WrittenSpan);
        return w.WrittenSpan.ToArray();
    }

    private static Task<MessengerTestHost> StartAsync(Action<IServiceCollection>? more = null) =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            more?.Invoke(services);
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
            }).AddDispatcher<RecordingDispatcher>();
        });

    private sealed record Duplex(System.IO.Pipelines.PipeReader Input, System.IO.Pipelines.PipeWriter Output) : System.IO.Pipelines.IDuplexPipe;
}
