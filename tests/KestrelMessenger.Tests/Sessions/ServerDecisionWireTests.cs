using KestrelMessenger.Connections;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// The accepting side of a lossless session, frame by frame, against a hand-driven client on a real
/// socket: SESSION_RECONNECT answered with RESET, RETRY_GLOBAL, RETRY or RECONNECT_OK, replay of what
/// the client lacks, and a restarted client (a new cookie) resetting the session.
/// </summary>
public class ServerDecisionWireTests : IAsyncLifetime
{
    private const ulong Cookie = 0x1234; // RawMsgr2Peer's lossless CLIENT_IDENT cookie
    private MessengerTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s => s.AddCephMessenger("b", o =>
    {
        o.Entity = "osd.2";
        o.BindTo("v2:127.0.0.1:0");
        o.Policies[EntityType.Client] = Policy.StatefulServer(); // keeps its clients' sessions, never connects back, checks resets
    }).AddDispatcher<GatedRecorder>());

    public async Task DisposeAsync()
    {
        Rec.Gate?.TrySetResult(); // a failed test must not leave dispatch held
        await _host.DisposeAsync();
    }

    private Messenger B => _host.Messenger("b");

    private EntityAddr Server => B.MyAddrs[0];

    private GatedRecorder Rec => _host.Get<GatedRecorder>();

    private static SessionReconnectFrame Reconnect(ulong serverCookie, ulong globalSeq, ulong connectSeq, ulong msgSeq, ulong cookie = Cookie) =>
        new(RawMsgr2Peer.MyAddrs, cookie, serverCookie, globalSeq, connectSeq, msgSeq);

    /// <summary>A session with the raw client that got 3 messages from it, and sent it 2 of ours (seqs 1, 2), acked by nobody.</summary>
    private async Task<(ServerIdentFrame Ident, MessengerConnection Session)> EstablishAsync()
    {
        await using RawMsgr2Peer client = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        ServerIdentFrame ident = await client.HandshakeAsync(Server, lossy: false);
        Assert.Equal(0ul, ident.Flags & IdentFlags.Lossy);
        await client.SendAsync([.. RawMsgr2Peer.MessageBytes(0x7000, 1, [1], tid: 0), .. RawMsgr2Peer.MessageBytes(0x7000, 2, [2], tid: 1), .. RawMsgr2Peer.MessageBytes(0x7000, 3, [3], tid: 2)]);
        await Rec.WaitForAsync(3);
        var session = (MessengerConnection)Assert.Single(B.Connections);
        MessengerPair.SendNumbered(session, 100, 102);
        Assert.Equal((1ul, 100ul), ((await client.ReadMessageAsync()).Header.Seq, 100ul));
        Assert.Equal(2ul, (await client.ReadMessageAsync()).Header.Seq);
        return (ident, session);
    }

    [Fact]
    public async Task A_reconnect_is_answered_by_the_rules_and_resumes_with_replay_of_what_the_client_lacks()
    {
        (ServerIdentFrame ident, MessengerConnection session) = await EstablishAsync();
        await Eventually.UntilAsync(() => session.State == SessionState.Standby, TimeSpan.FromSeconds(10), () => $"session is {session.State}");
        MessengerPair.SendNumbered(session, 102, 103); // queued in standby: a server never connects back

        await using RawMsgr2Peer client = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        await client.HandshakeUntilSessionAsync(Server);

        // Another cookie: the client restarted; the policy checks resets, so a full reset.
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 5, 1, 1, cookie: 0x9999)));
        Assert.True((await client.ReadFrameAsync()).As<SessionResetFrame>().Full);

        // An older global_seq than the session's (1).
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 0, 1, 1)));
        Assert.Equal(1ul, (await client.ReadFrameAsync()).As<SessionRetryGlobalFrame>().GlobalSeq);

        // A good one: the client has our seq 1; we have its 3. Seqs 2 and 3 come (again), seq 1 does not.
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 5, 1, 1)));
        Assert.Equal(3ul, (await client.ReadFrameAsync()).As<SessionReconnectOkFrame>().MsgSeq);
        (MessageHeader second, _) = await client.ReadMessageAsync();
        (MessageHeader third, _) = await client.ReadMessageAsync();
        Assert.Equal((2ul, 101ul, 3ul, 102ul), (second.Seq, second.Tid, third.Seq, third.Tid));

        // The client's own stream goes on from 4; an old seq is discarded, not delivered twice.
        await client.SendAsync([.. RawMsgr2Peer.MessageBytes(0x7000, 3, [3], tid: 2), .. RawMsgr2Peer.MessageBytes(0x7000, 4, [4], tid: 3)]);
        await Rec.WaitForAsync(4);
        await Task.Delay(100);
        Assert.True(Rec.Audit.Report(4).IsPerfect, Rec.Audit.Report(4).ToString());
        Assert.Same(session, Assert.Single(B.Connections));
        Assert.Equal(2, Rec.Count("accept")); // Ceph raises accept on every reconnect too
    }

    [Fact]
    public async Task A_reconnect_naming_an_older_in_seq_than_the_client_has_gets_resends_it_drops_never_seqs_it_would_take_for_old()
    {
        // Everything we sent was acknowledged; then a reconnect arrives naming in_seq 0 (one that crossed a
        // newer socket, say). Ceph would set out_seq to that 0 and number the next message 1, which the client,
        // having 1 and 2 already, would drop as old: lost. Seqs here never move back.
        (ServerIdentFrame ident, MessengerConnection session) = await EstablishAsync();
        await using (RawMsgr2Peer acking = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!))
        {
            await acking.HandshakeUntilSessionAsync(Server);
            await acking.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 5, 1, 0)));
            (await acking.ReadFrameAsync()).As<SessionReconnectOkFrame>();
            Assert.Equal((1ul, 2ul), ((await acking.ReadMessageAsync()).Header.Seq, (await acking.ReadMessageAsync()).Header.Seq));
            await acking.SendAsync(RawMsgr2Peer.FrameBytes(new AckFrame(2)));
            await MessengerPair.AllAckedAsync(session);
        }

        await using RawMsgr2Peer client = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        await client.HandshakeUntilSessionAsync(Server);
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 6, 2, 0)));
        (await client.ReadFrameAsync()).As<SessionReconnectOkFrame>();
        MessengerPair.SendNumbered(session, 102, 103);
        (MessageHeader next, _) = await client.ReadMessageAsync();
        Assert.Equal((3ul, 102ul), (next.Seq, next.Tid));
    }

    [Fact]
    public async Task A_stale_connect_seq_is_told_to_retry_above_the_sessions()
    {
        (ServerIdentFrame ident, MessengerConnection session) = await EstablishAsync();
        await using (RawMsgr2Peer resumed = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!))
        {
            await resumed.HandshakeUntilSessionAsync(Server);
            await resumed.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 5, 1, 0)));
            (await resumed.ReadFrameAsync()).As<SessionReconnectOkFrame>();
            await Eventually.UntilAsync(() => session.IsConnected, TimeSpan.FromSeconds(5), () => "not resumed");
        }

        await using RawMsgr2Peer client = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        await client.HandshakeUntilSessionAsync(Server);
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 6, 0, 0)));
        Assert.Equal(1ul, (await client.ReadFrameAsync()).As<SessionRetryFrame>().ConnectSeq);
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(ident.ServerCookie, 6, 2, 0)));
        (await client.ReadFrameAsync()).As<SessionReconnectOkFrame>();
    }

    [Fact]
    public async Task A_reconnect_for_a_session_we_do_not_have_gets_a_full_reset_and_a_new_session_on_the_same_socket()
    {
        await using RawMsgr2Peer client = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        await client.HandshakeUntilSessionAsync(Server);
        await client.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(0x51, 5, 1, 0)));
        Assert.True((await client.ReadFrameAsync()).As<SessionResetFrame>().Full);
        await client.SendAsync(RawMsgr2Peer.FrameBytes(new ClientIdentFrame(RawMsgr2Peer.MyAddrs, Server, -1, 6, CephFeatures.All, CephFeatures.MsgAddr2, 0, Cookie)));
        Assert.NotEqual(0ul, (await client.ReadFrameAsync()).As<ServerIdentFrame>().ServerCookie);
    }

    [Fact]
    public async Task A_restarted_client_resets_the_session_and_what_was_queued_for_it_and_from_it_is_dropped()
    {
        // Dispatch of the client's messages from tid 3 on is held at the gate, so they are still queued when it resets.
        Rec.Gate = new TaskCompletionSource();
        (ServerIdentFrame _, MessengerConnection session) = await EstablishAsync();
        await using (RawMsgr2Peer more = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!))
        {
            await more.HandshakeUntilSessionAsync(Server);
            await more.SendAsync(RawMsgr2Peer.FrameBytes(Reconnect(session.Session.ServerCookie, 5, 1, 2)));
            (await more.ReadFrameAsync()).As<SessionReconnectOkFrame>();
            await more.SendAsync([.. RawMsgr2Peer.MessageBytes(0x7000, 4, [4], tid: 3), .. RawMsgr2Peer.MessageBytes(0x7000, 5, [5], tid: 4)]);
            await Eventually.UntilAsync(() => session.Session.InSeq == 5, TimeSpan.FromSeconds(5), () => $"in_seq {session.Session.InSeq}");
        }

        MessengerPair.SendNumbered(session, 200, 210);

        // The client restarted: a fresh CLIENT_IDENT with another cookie, same address.
        await using RawMsgr2Peer restarted = await RawMsgr2Peer.ConnectAsync(Server.EndPoint!);
        await restarted.HandshakeUntilSessionAsync(Server);
        await restarted.SendAsync(RawMsgr2Peer.FrameBytes(new ClientIdentFrame(RawMsgr2Peer.MyAddrs, Server, -1, 9, CephFeatures.All, CephFeatures.MsgAddr2, 0, 0xBEEF)));
        (await restarted.ReadFrameAsync()).As<ServerIdentFrame>();
        await _host.Logs.WaitForAsync("was reset (the peer restarted");
        Rec.Gate.SetResult(); // dispatch goes on: the reset event comes, the reset session's queued messages do not
        await Eventually.UntilAsync(() => Rec.Count("remote_reset") == 1, TimeSpan.FromSeconds(10), () => "no remote reset event");

        // What the old session had queued either way is gone; the new one starts at seq 1 both ways.
        await restarted.SendAsync(RawMsgr2Peer.MessageBytes(0x7000, 1, [9], tid: 50));
        await Eventually.UntilAsync(() => Rec.Audit.Contains(50), TimeSpan.FromSeconds(10), () => Rec.Audit.Report(51).ToString());
        await Task.Delay(200);

        // tid 3 was in dispatch (held at the gate) when the session reset; tid 4 still waited in the queue, and went.
        Assert.Equal([true, true, true, true, false], Enumerable.Range(0, 5).Select(t => Rec.Audit.Contains(t)));
        Assert.Equal(5, Rec.Audit.Received);
        MessengerPair.SendNumbered(session, 300, 301);
        (MessageHeader h, _) = await restarted.ReadMessageAsync();
        Assert.Equal((1ul, 300ul), (h.Seq, h.Tid));
        Assert.Same(session, Assert.Single(B.Connections));
    }

    /// <summary>A stream recorder whose dispatch can be held at a gate.</summary>
    public sealed class GatedRecorder : StreamRecorder
    {
        public TaskCompletionSource? Gate { get; set; }

        public override async ValueTask<bool> DispatchAsync(Message message)
        {
            if (Gate is { } gate && message.Tid is >= 3 and < 50)
            {
                await gate.Task;
            }

            return await base.DispatchAsync(message);
        }
    }
}
