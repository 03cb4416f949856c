using KestrelMessenger.Protocol.Sessions;

namespace KestrelMessenger.Tests.Protocol.Sessions;

/// <summary>How the connecting side of a lossless session reacts to each answer, as Ceph 16.2's client does.</summary>
public class ClientSessionRulesTests
{
    private static readonly ClientSession Established = new(ClientCookie: 0xC1, ServerCookie: 0x51, GlobalSeq: 7, ConnectSeq: 2, InSeq: 40);

    [Fact]
    public void A_new_socket_resumes_an_established_session_with_the_next_connect_seq_and_a_new_global_seq()
    {
        Assert.Equal(new ClientSessionStep.SendReconnect(Established with { GlobalSeq = 9, ConnectSeq = 3 }),
            ClientSessionRules.OnNewSocket(Established, newGlobalSeq: 9));
    }

    [Fact]
    public void A_new_socket_for_a_session_the_server_never_established_starts_with_client_ident()
    {
        ClientSession halfway = Established with { ServerCookie = 0 };
        Assert.Equal(new ClientSessionStep.SendIdent(halfway with { GlobalSeq = 9 }, DropQueued: false),
            ClientSessionRules.OnNewSocket(halfway, newGlobalSeq: 9));
    }

    [Fact]
    public void A_full_reset_drops_cookies_seqs_and_queued_messages()
    {
        Assert.Equal(new ClientSessionStep.SendIdent(new ClientSession(0, 0, 7, 0, 0), DropQueued: true),
            ClientSessionRules.OnReset(Established, full: true));
    }

    [Fact]
    public void A_partial_reset_forgets_the_servers_side_but_keeps_our_cookie_and_the_queue()
    {
        Assert.Equal(new ClientSessionStep.SendIdent(Established with { ServerCookie = 0, ConnectSeq = 0, InSeq = 0 }, DropQueued: false),
            ClientSessionRules.OnReset(Established, full: false));
    }

    [Fact]
    public void Retry_reconnects_with_connect_seq_one_above_the_servers()
    {
        Assert.Equal(new ClientSessionStep.SendReconnect(Established with { ConnectSeq = 6 }), ClientSessionRules.OnRetry(Established, serverConnectSeq: 5));
    }

    [Fact]
    public void Retry_global_takes_a_global_seq_above_the_servers_from_the_messengers_counter()
    {
        ulong raisedTo = 0;
        ClientSessionStep step = ClientSessionRules.OnRetryGlobal(Established, serverGlobalSeq: 30, gs => { raisedTo = gs; return gs + 1; });

        Assert.Equal(30ul, raisedTo);
        Assert.Equal(new ClientSessionStep.SendReconnect(Established with { GlobalSeq = 31 }), step);
    }

    [Fact]
    public void Wait_backs_off_and_reconnect_ok_resumes_dropping_what_the_server_has()
    {
        Assert.IsType<ClientSessionStep.BackOff>(ClientSessionRules.OnWait());
        Assert.Equal(new ClientSessionStep.Resume(Established, 12), ClientSessionRules.OnReconnectOk(Established, serverInSeq: 12));
    }
}
