using KestrelMessenger.Protocol.Sessions;

namespace KestrelMessenger.Tests.Protocol.Sessions;

/// <summary>Ceph 16.2's server-side session decisions, rule by rule (ProtocolV2 handle_reconnect, handle_existing_connection).</summary>
public class SessionRulesTests
{
    // A live session: cookies set, peer global_seq 10, connect_seq 3.
    private static readonly ExistingSession Live = new(
        Closed: false, Replacing: false, ReadyOrStandby: true, ClientCookie: 0xC1, ServerCookie: 0x51,
        PeerGlobalSeq: 10, ConnectSeq: 3, PolicyServer: false, PolicyLossy: false);

    private static readonly ReconnectRequest Resume = new(ClientCookie: 0xC1, ServerCookie: 0x51, GlobalSeq: 11, ConnectSeq: 4, MsgSeq: 17);

    public static TheoryData<string, ExistingSession?, ReconnectRequest, bool, bool, ReconnectVerdict> ReconnectRows => new()
    {
        // what, existing, reconnect, peer address greater, resetcheck, verdict
        { "no session for those addresses", null, Resume, false, true, new ReconnectVerdict.Reset(true) },
        { "the session is closed", Live with { Closed = true }, Resume, false, true, new ReconnectVerdict.Reset(true) },
        { "it is being replaced right now", Live with { Replacing = true }, Resume, false, true, new ReconnectVerdict.RetryGlobal(10) },
        { "another client cookie: the peer restarted (resetcheck)", Live, Resume with { ClientCookie = 0xC2 }, false, true, new ReconnectVerdict.Reset(true) },
        { "another client cookie, no resetcheck", Live, Resume with { ClientCookie = 0xC2 }, false, false, new ReconnectVerdict.Reset(false) },
        { "our handshake never finished (server cookie 0)", Live with { ServerCookie = 0 }, Resume, false, true, new ReconnectVerdict.Reset(false) },
        { "a stale global_seq", Live, Resume with { GlobalSeq = 9 }, false, true, new ReconnectVerdict.RetryGlobal(10) },
        { "a stale connect_seq", Live, Resume with { ConnectSeq = 2 }, false, true, new ReconnectVerdict.Retry(3) },
        { "a race, the peer's address greater: ours wins", Live, Resume with { ConnectSeq = 3 }, true, true, new ReconnectVerdict.Wait() },
        { "a race, the peer's address greater but we never connect back", Live with { PolicyServer = true }, Resume with { ConnectSeq = 3 }, true, true, new ReconnectVerdict.Accept(3, 17) },
        { "a race, our address greater: theirs wins", Live, Resume with { ConnectSeq = 3 }, false, true, new ReconnectVerdict.Accept(3, 17) },
        { "a good reconnect", Live, Resume, false, true, new ReconnectVerdict.Accept(4, 17) },
        { "a good reconnect, global_seq equal", Live, Resume with { GlobalSeq = 10 }, false, true, new ReconnectVerdict.Accept(4, 17) },
    };

    [Theory]
    [MemberData(nameof(ReconnectRows))]
    public void A_reconnect_is_answered_as_Ceph_answers_it(string what, ExistingSession? existing, ReconnectRequest reconnect, bool peerAddrIsGreater, bool resetCheck, ReconnectVerdict verdict)
    {
        Assert.True(verdict == SessionRules.HandleReconnect(existing, reconnect, peerAddrIsGreater, resetCheck), what);
    }

    [Fact]
    public void The_rules_apply_in_Cephs_order()
    {
        // Closed beats everything; a replace in progress beats a cookie mismatch; a cookie mismatch beats a stale global_seq.
        Assert.Equal(new ReconnectVerdict.Reset(true), SessionRules.HandleReconnect(Live with { Closed = true, Replacing = true }, Resume, false, true));
        Assert.Equal(new ReconnectVerdict.RetryGlobal(10), SessionRules.HandleReconnect(Live with { Replacing = true }, Resume with { ClientCookie = 9 }, false, true));
        Assert.Equal(new ReconnectVerdict.Reset(false), SessionRules.HandleReconnect(Live, Resume with { ClientCookie = 9, GlobalSeq = 1 }, false, false));
        Assert.Equal(new ReconnectVerdict.RetryGlobal(10), SessionRules.HandleReconnect(Live, Resume with { GlobalSeq = 1, ConnectSeq = 0 }, false, true));
    }

    public static TheoryData<string, ExistingSession, ulong, ulong, bool, bool, ExistingConnectionVerdict> ExistingRows => new()
    {
        // what, existing, new client cookie, new global_seq, peer address less, resetcheck, verdict
        { "the existing session is closed", Live with { Closed = true }, 0xC9, 11, false, true, new ExistingConnectionVerdict.NewSession() },
        { "it is being replaced right now", Live with { Replacing = true }, 0xC9, 11, false, true, new ExistingConnectionVerdict.Wait() },
        { "this connection is stale", Live, 0xC9, 9, false, true, new ExistingConnectionVerdict.Stale() },
        { "the existing one is lossy", Live with { PolicyLossy = true }, 0xC9, 11, false, true, new ExistingConnectionVerdict.ReplaceLossy() },
        { "the peer reset (resetcheck)", Live, 0xC9, 11, false, true, new ExistingConnectionVerdict.Reuse(true) },
        { "the peer reset, no resetcheck", Live, 0xC9, 11, false, false, new ExistingConnectionVerdict.Reuse(false) },
        { "the same cookie: an interrupted handshake continues", Live with { ServerCookie = 0, ReadyOrStandby = false }, 0xC1, 11, false, true, new ExistingConnectionVerdict.Reuse(false) },
        { "no cookies yet but READY or STANDBY", Live with { ServerCookie = 0 }, 0xC9, 11, false, true, new ExistingConnectionVerdict.Reuse(false) },
        { "a race, the peer's address less: this one wins", Live with { ServerCookie = 0, ReadyOrStandby = false }, 0xC9, 11, true, true, new ExistingConnectionVerdict.Reuse(false) },
        { "a race, ours never connects back: this one wins", Live with { ServerCookie = 0, ReadyOrStandby = false, PolicyServer = true }, 0xC9, 11, false, true, new ExistingConnectionVerdict.Reuse(false) },
        { "a race, the peer's address greater: ours wins", Live with { ServerCookie = 0, ReadyOrStandby = false }, 0xC9, 11, false, true, new ExistingConnectionVerdict.Wait() },
    };

    [Theory]
    [MemberData(nameof(ExistingRows))]
    public void A_fresh_ident_for_an_existing_session_is_handled_as_Ceph_handles_it(
        string what, ExistingSession existing, ulong clientCookie, ulong peerGlobalSeq, bool peerAddrIsLess, bool resetCheck, ExistingConnectionVerdict verdict)
    {
        Assert.True(verdict == SessionRules.HandleExistingConnection(existing, clientCookie, peerGlobalSeq, peerAddrIsLess, resetCheck), what);
    }
}
