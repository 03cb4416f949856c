using System.Net;
using System.Net.Sockets;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// The connecting side of a lossless session, frame by frame, against a hand-driven server on a real
/// socket: what it sends after a fault, and how it answers RETRY_GLOBAL, RETRY, RECONNECT_OK, RESET and WAIT.
/// </summary>
public class ClientReactionWireTests : IAsyncLifetime
{
    private const uint ServerNonce = 7;
    private const ulong ServerCookie = 0x5E55;
    private TcpListener _listener = new(IPAddress.Loopback, 0);
    private MessengerTestHost _host = null!;
    private EntityAddr _server = null!;

    public async Task InitializeAsync()
    {
        _listener.Start();
        _server = EntityAddr.V2((IPEndPoint)_listener.LocalEndpoint, ServerNonce);
        _host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s => s.AddCephMessenger("a", o =>
        {
            o.Entity = "osd.1";
            o.BindTo("v2:127.0.0.1:0");
            o.Policies[EntityType.Osd] = Policy.LosslessClient(); // reconnects at once, checks resets
            o.InitialBackoff = TimeSpan.FromMilliseconds(50);
            o.MaxBackoff = TimeSpan.FromSeconds(1);
        }).AddDispatcher<StreamA>());
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _listener.Stop();
    }

    private Messenger A => _host.Messenger("a");

    private StreamA Rec => _host.Get<StreamA>();

    private static ServerIdentFrame Ident(EntityAddr server) =>
        new(new EntityAddrVec(server), 2, 100, CephFeatures.All, CephFeatures.MsgAddr2, 0, ServerCookie);

    /// <summary>The session's first socket: CLIENT_IDENT answered with SERVER_IDENT, <paramref name="messages"/> read (not acked), then closed.</summary>
    private async Task<ClientIdentFrame> FirstSocketAsync(int messages)
    {
        await using RawMsgr2Peer first = await RawMsgr2Peer.AcceptAsync(_listener);
        ClientIdentFrame ident = (await first.ServeUntilSessionAsync()).As<ClientIdentFrame>();
        await first.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server)));
        for (int i = 0; i < messages; i++)
        {
            await first.ReadMessageAsync();
        }

        return ident;
    }

    [Fact]
    public async Task After_a_fault_it_reconnects_answers_retries_and_replays_what_the_server_lacks_under_the_same_seqs()
    {
        IConnection toServer = A.ConnectTo(EntityType.Osd, _server);
        MessengerPair.SendNumbered(toServer, 0, 5);

        // A new session: CLIENT_IDENT with a cookie, lossless.
        ClientIdentFrame ident;
        await using (RawMsgr2Peer first = await RawMsgr2Peer.AcceptAsync(_listener))
        {
            ident = (await first.ServeUntilSessionAsync()).As<ClientIdentFrame>();
            Assert.Equal((0ul, _server), (ident.Flags & IdentFlags.Lossy, ident.TargetAddr));
            Assert.NotEqual(0ul, ident.ClientCookie);
            await first.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server)));
            for (ulong seq = 1; seq <= 5; seq++)
            {
                (MessageHeader h, byte[] front) = await first.ReadMessageAsync();
                Assert.Equal((seq, seq - 1), (h.Seq, h.Tid));
                Assert.Equal(BitConverter.GetBytes((long)seq - 1), front);
            }

            // The server got 1..3 for sure (it acks them), and sends one message of its own.
            await first.SendAsync([.. RawMsgr2Peer.FrameBytes(new AckFrame(3)), .. RawMsgr2Peer.MessageBytes(0x7000, 1, [1], tid: 900, ackSeq: 3)]);
            await Rec.WaitForAsync(1);
        }

        // The socket is gone: a new one resumes the session.
        await using RawMsgr2Peer second = await RawMsgr2Peer.AcceptAsync(_listener);
        SessionReconnectFrame reconnect = (await second.ServeUntilSessionAsync()).As<SessionReconnectFrame>();
        Assert.Equal((ident.ClientCookie, ServerCookie, 1ul, 1ul), (reconnect.ClientCookie, reconnect.ServerCookie, reconnect.ConnectSeq, reconnect.MsgSeq));
        Assert.True(reconnect.GlobalSeq > ident.GlobalSeq);

        await second.SendAsync(RawMsgr2Peer.FrameBytes(new SessionRetryGlobalFrame(1000)));
        SessionReconnectFrame afterRetryGlobal = (await second.ReadFrameAsync()).As<SessionReconnectFrame>();
        Assert.True(afterRetryGlobal.GlobalSeq > 1000, $"global_seq {afterRetryGlobal.GlobalSeq}");
        Assert.Equal(1ul, afterRetryGlobal.ConnectSeq);

        await second.SendAsync(RawMsgr2Peer.FrameBytes(new SessionRetryFrame(7)));
        SessionReconnectFrame afterRetry = (await second.ReadFrameAsync()).As<SessionReconnectFrame>();
        Assert.Equal((8ul, afterRetryGlobal.GlobalSeq), (afterRetry.ConnectSeq, afterRetry.GlobalSeq));

        // The server has up to 3: 4 and 5 come again, same seqs, same bytes; then new messages go on from 6.
        await second.SendAsync(RawMsgr2Peer.FrameBytes(new SessionReconnectOkFrame(3)));
        for (ulong seq = 4; seq <= 5; seq++)
        {
            (MessageHeader h, byte[] front) = await second.ReadMessageAsync();
            Assert.Equal((seq, seq - 1, 1ul), (h.Seq, h.Tid, h.AckSeq));
            Assert.Equal(BitConverter.GetBytes((long)seq - 1), front);
        }

        MessengerPair.SendNumbered(toServer, 5, 6);
        (MessageHeader next, _) = await second.ReadMessageAsync();
        Assert.Equal((6ul, 5ul), (next.Seq, next.Tid));
        Assert.Equal(2, Rec.Count("connect"));
        Assert.Equal(0, Rec.Count("remote_reset") + Rec.Count("reset"));
        Assert.True(toServer.IsConnected);
    }

    [Fact]
    public async Task A_full_reset_drops_the_session_with_its_queue_and_starts_a_new_one_on_the_same_socket()
    {
        IConnection toServer = A.ConnectTo(EntityType.Osd, _server);
        MessengerPair.SendNumbered(toServer, 0, 2);
        ClientIdentFrame ident = await FirstSocketAsync(messages: 2);

        // Queued while the session is down, never acknowledged: a full reset drops them.
        MessengerPair.SendNumbered(toServer, 2, 4);
        await using RawMsgr2Peer second = await RawMsgr2Peer.AcceptAsync(_listener);
        (await second.ServeUntilSessionAsync()).As<SessionReconnectFrame>();
        await second.SendAsync(RawMsgr2Peer.FrameBytes(new SessionResetFrame(Full: true)));
        ClientIdentFrame fresh = (await second.ReadFrameAsync()).As<ClientIdentFrame>();
        Assert.NotEqual(ident.ClientCookie, fresh.ClientCookie);
        Assert.NotEqual(0ul, fresh.ClientCookie);
        await Eventually.UntilAsync(() => Rec.Count("remote_reset") == 1, TimeSpan.FromSeconds(10), () => "no remote reset event");

        await second.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server) with { ServerCookie = 0x5E56 }));
        MessengerPair.SendNumbered(toServer, 10, 11);
        (MessageHeader h, _) = await second.ReadMessageAsync();
        Assert.Equal((1ul, 10ul), (h.Seq, h.Tid)); // a new session numbers from 1, and nothing from before the reset comes
    }

    [Fact]
    public async Task A_partial_reset_keeps_the_queue_and_sends_it_on_a_new_session()
    {
        IConnection toServer = A.ConnectTo(EntityType.Osd, _server);
        MessengerPair.SendNumbered(toServer, 0, 1);
        ClientIdentFrame ident = await FirstSocketAsync(messages: 1);

        await using RawMsgr2Peer second = await RawMsgr2Peer.AcceptAsync(_listener);
        (await second.ServeUntilSessionAsync()).As<SessionReconnectFrame>();
        await second.SendAsync(RawMsgr2Peer.FrameBytes(new SessionResetFrame(Full: false)));
        ClientIdentFrame again = (await second.ReadFrameAsync()).As<ClientIdentFrame>();
        Assert.Equal(ident.ClientCookie, again.ClientCookie);
        await second.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server)));
        (MessageHeader h, _) = await second.ReadMessageAsync();
        Assert.Equal(0ul, h.Tid); // the unacknowledged message is still there
        Assert.Equal(0, Rec.Count("remote_reset"));
    }

    [Fact]
    public async Task Wait_backs_off_for_the_longest_backoff_before_trying_again()
    {
        IConnection toServer = A.ConnectTo(EntityType.Osd, _server);
        MessengerPair.SendNumbered(toServer, 0, 1);
        long waited;
        await using (RawMsgr2Peer first = await RawMsgr2Peer.AcceptAsync(_listener))
        {
            (await first.ServeUntilSessionAsync()).As<ClientIdentFrame>();
            await first.SendAsync(RawMsgr2Peer.FrameBytes(new WaitFrame()));
            waited = Environment.TickCount64;
            Assert.True(await first.WaitClosedAsync(TimeSpan.FromSeconds(5)), "the client closes its socket after WAIT");
        }

        await using RawMsgr2Peer second = await RawMsgr2Peer.AcceptAsync(_listener);
        long gap = Environment.TickCount64 - waited;
        Assert.True(gap >= 900, $"the next attempt came {gap} ms after WAIT; ms_max_backoff is 1000 ms");
        ClientIdentFrame ident = (await second.ServeUntilSessionAsync()).As<ClientIdentFrame>(); // never established: a new session still
        await second.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server)));
        Assert.Equal(0ul, (await second.ReadMessageAsync()).Header.Tid);
        Assert.NotEqual(0ul, ident.ClientCookie);
    }

    [Fact]
    public async Task Failed_connects_back_off_doubling_and_say_refused_each_time_while_the_session_waits()
    {
        _listener.Stop(); // nothing listens: refused
        IConnection toServer = A.ConnectTo(EntityType.Osd, _server);
        MessengerPair.SendNumbered(toServer, 0, 1);
        await Eventually.UntilAsync(() => Rec.Count("refused") >= 3, TimeSpan.FromSeconds(10), () => $"{Rec.Count("refused")} refusals");
        Assert.False(toServer.IsClosed);

        _listener = new TcpListener(IPAddress.Loopback, _server.EndPoint!.Port); // the same address comes back
        _listener.Start();
        await using RawMsgr2Peer peer = await RawMsgr2Peer.AcceptAsync(_listener, TimeSpan.FromSeconds(5));
        (await peer.ServeUntilSessionAsync()).As<ClientIdentFrame>();
        await peer.SendAsync(RawMsgr2Peer.FrameBytes(Ident(_server)));
        Assert.Equal(0ul, (await peer.ReadMessageAsync()).Header.Tid);
    }
}
