using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>
/// The client engine against an in-memory monitor (<see cref="CephxTestMon"/>) and against the daemon
/// verifier, with tickets minted the way a monitor mints them.
/// </summary>
public class CephxExchangeTests
{
    private static readonly AuthEntityName Admin = new(EntityType.Client, "admin");
    private readonly ManualTime _time = new(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly CephxTestMon _mon;
    private readonly CryptoKey _adminKey;

    public CephxExchangeTests()
    {
        _mon = new CephxTestMon(_time);
        _adminKey = _mon.AddEntity(Admin, (EntityType.Mon, "allow *"), (EntityType.Osd, "allow rwx pool=rbd"), (EntityType.Mgr, "allow *"));
    }

    // ------------------------------------------------------------------ monitor login

    [Theory]
    [InlineData(ConnectionMode.Secure, 64)]
    [InlineData(ConnectionMode.Crc, 0)]
    public void A_mon_login_yields_the_session_key_the_connection_secret_and_every_wanted_ticket(ConnectionMode mode, int secretLength)
    {
        var client = NewClient();
        var session = new CephxTestMon.Session();
        CephxClientStep.Done done = Login(client, session, mode, out CephxMonState state);

        Assert.Equal(secretLength, done.ConnectionSecret.Length);
        Assert.Equal(session.ConnectionSecret, done.ConnectionSecret.ToArray());
        Assert.Equal(4100ul, client.GlobalId);
        Assert.Same(done.SessionKey, state.SessionKey);
        foreach (EntityType service in new[] { EntityType.Auth, EntityType.Mon, EntityType.Osd, EntityType.Mgr })
        {
            CephxTicketStatus status = client.GetTicketStatus(service)!;
            Assert.True(status.HaveKey, $"{service} ticket");
            Assert.Equal(CephxTestMon.CurrentSecretId, status.SecretId);
        }

        Assert.Equal(0u, client.NeedKeys());
        Assert.False(client.NeedsTickets);
    }

    [Fact]
    public void The_login_request_is_36_bytes_and_asks_for_mon_osd_mgr_and_auth_keys_at_once()
    {
        var client = NewClient();
        var session = new CephxTestMon.Session();
        var state = new CephxMonState();
        byte[] challenge = _mon.Start(session, MonRequest(client));
        var send = Assert.IsType<CephxClientStep.Send>(client.HandleMonReplyMore(state, challenge));

        Assert.Equal(36, send.Payload.Length);
        var r = new DencReader(send.Payload.Span);
        Assert.Equal(CephxRequestType.GetAuthSessionKey, CephXRequestHeader.Decode(ref r).RequestType);
        CephXAuthenticate req = CephXAuthenticate.Decode(ref r);
        Assert.Equal(0x35u, req.OtherKeys);
        Assert.True(req.OldTicket.Blob.IsEmpty);
        Assert.Equal(CephxCrypto.ChallengeKey(_adminKey, session.ServerChallenge, req.ClientChallenge), req.Key);
    }

    [Fact]
    public void A_second_login_presents_the_old_ticket_and_takes_a_new_one_encrypted_with_the_old_session_key()
    {
        var client = NewClient();
        var first = new CephxTestMon.Session();
        CephxClientStep.Done firstDone = Login(client, first, ConnectionMode.Secure, out _);

        var second = new CephxTestMon.Session();
        var state = new CephxMonState();
        _mon.Start(second, MonRequest(client));
        Assert.Equal(4100ul, second.GlobalId);
        var send = Assert.IsType<CephxClientStep.Send>(client.HandleMonReplyMore(state, Challenge(second)));
        var r = new DencReader(send.Payload.Span);
        CephXRequestHeader.Decode(ref r);
        Assert.False(CephXAuthenticate.Decode(ref r).OldTicket.Blob.IsEmpty);

        (int status, byte[] reply) = _mon.Handle(second, send.Payload.Span, ConnectionMode.Secure);
        Assert.Equal(0, status);
        var done = Assert.IsType<CephxClientStep.Done>(client.HandleMonAuthDone(state, second.GlobalId, ConnectionMode.Secure, reply));
        Assert.NotEqual(firstDone.SessionKey, done.SessionKey);
    }

    [Fact]
    public void A_client_with_the_wrong_secret_is_refused_by_the_mon_and_cannot_read_a_reply_for_another_key()
    {
        var impostor = new CephxClient(Admin, CryptoKey.Generate(default), time: _time);
        var session = new CephxTestMon.Session();
        var state = new CephxMonState();
        _mon.Start(session, MonRequest(impostor));
        var send = Assert.IsType<CephxClientStep.Send>(impostor.HandleMonReplyMore(state, Challenge(session)));
        Assert.Equal(Errno.EPERM, _mon.Handle(session, send.Payload.Span, ConnectionMode.Secure).Status);

        // The genuine reply, read with the wrong secret.
        var gSession = new CephxTestMon.Session();
        byte[] reply = AuthDoneReply(NewClient(), gSession, new CephxMonState(), ConnectionMode.Secure);
        var failed = Assert.IsType<CephxClientStep.Failed>(impostor.HandleMonAuthDone(state, gSession.GlobalId, ConnectionMode.Secure, reply));
        Assert.Equal(Errno.EPERM, failed.Errno);
        Assert.Null(impostor.GetTicketStatus(EntityType.Auth));
    }

    [Fact]
    public void A_tampered_AUTH_DONE_is_refused_and_leaves_no_ticket()
    {
        var client = NewClient();
        var session = new CephxTestMon.Session();
        var state = new CephxMonState();
        byte[] reply = AuthDoneReply(client, session, state, ConnectionMode.Secure);
        reply[30] ^= 0x40; // inside the encrypted CephXServiceTicket

        var failed = Assert.IsType<CephxClientStep.Failed>(client.HandleMonAuthDone(state, session.GlobalId, ConnectionMode.Secure, reply));
        Assert.Equal(Errno.EPERM, failed.Errno);
        Assert.Null(client.GetTicketStatus(EntityType.Auth));
    }

    [Fact]
    public void A_truncated_AUTH_DONE_is_a_failure_not_an_exception()
    {
        var client = NewClient();
        var session = new CephxTestMon.Session();
        var state = new CephxMonState();
        byte[] reply = AuthDoneReply(client, session, state, ConnectionMode.Secure);
        for (int cut = 0; cut < reply.Length; cut += 7)
        {
            var probe = NewClient();
            var probeState = new CephxMonState();
            probe.HandleMonReplyMore(probeState, Challenge(session));
            Assert.IsType<CephxClientStep.Failed>(probe.HandleMonAuthDone(probeState, 1, ConnectionMode.Secure, reply.AsSpan(0, cut)));
        }
    }

    // ------------------------------------------------------------------ daemon authorizers

    [Theory]
    [InlineData(ConnectionMode.Crc, 0)]
    [InlineData(ConnectionMode.Secure, 64)]
    public void Client_and_OSD_complete_an_authorizer_exchange_with_the_challenge_round(ConnectionMode mode, int secretLength)
    {
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Secure, out _);
        (CephxAuthorizerVerifier osd, _) = NewDaemon(EntityType.Osd);

        var clientState = new CephxAuthorizerState();
        var serverState = new CephxVerifierState();
        var request = Assert.IsType<CephxClientStep.Send>(client.BuildAuthorizer(clientState, EntityType.Osd));
        Assert.Equal(AuthPayloadMode.Authorizer, request.Payload.Span[0]);

        var challenge = Assert.IsType<CephxVerifyResult.Challenge>(osd.Verify(serverState, request.Payload.Span, isMore: false, mode));
        Assert.True(serverState.HasChallenge);
        var more = Assert.IsType<CephxClientStep.Send>(CephxClient.HandleAuthorizerReplyMore(clientState, challenge.Reply.Span));
        var accepted = Assert.IsType<CephxVerifyResult.Accepted>(osd.Verify(serverState, more.Payload.Span, isMore: true, mode));

        Assert.Equal(Admin, accepted.Name);
        Assert.Equal(client.GlobalId, accepted.GlobalId);
        Assert.Equal("allow rwx pool=rbd", accepted.CapsText);
        Assert.Equal(secretLength, accepted.ConnectionSecret.Length);

        var done = Assert.IsType<CephxClientStep.Done>(CephxClient.HandleAuthorizerDone(clientState, mode, accepted.Reply.Span));
        Assert.Equal(accepted.SessionKey, done.SessionKey);
        Assert.Equal(clientState.SessionKey, done.SessionKey);
        Assert.Equal(accepted.ConnectionSecret.ToArray(), done.ConnectionSecret.ToArray());
    }

    [Fact]
    public void A_verifier_that_does_not_challenge_accepts_the_first_authorizer()
    {
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Secure, out _);
        (_, RotatingKeyring keyring) = NewDaemon(EntityType.Mgr);
        var mgr = new CephxAuthorizerVerifier(keyring, new CephxVerifierOptions { RequireChallenge = false }, _time);
        var state = new CephxAuthorizerState();
        var request = Assert.IsType<CephxClientStep.Send>(client.BuildAuthorizer(state, EntityType.Mgr));
        var accepted = Assert.IsType<CephxVerifyResult.Accepted>(mgr.Verify(new CephxVerifierState(), request.Payload.Span, false, ConnectionMode.Crc));
        Assert.Equal("allow *", accepted.CapsText);
        Assert.IsType<CephxClientStep.Done>(CephxClient.HandleAuthorizerDone(state, ConnectionMode.Crc, accepted.Reply.Span));
    }

    [Fact]
    public void A_tampered_ticket_is_refused_with_EACCES()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        authorizer[30] ^= 0x01; // inside the ticket blob's ciphertext
        AssertRefused(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "ticket");
    }

    [Fact]
    public void An_expired_ticket_is_refused_with_EACCES()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        _time.Advance(CephxTestMon.ServiceTicketTtl + TimeSpan.FromMinutes(6));
        AssertRefused(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "expired");
    }

    [Fact]
    public void A_ticket_just_past_expiry_is_still_accepted_within_the_clock_skew_grace()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        _time.Advance(CephxTestMon.ServiceTicketTtl + TimeSpan.FromMinutes(1));
        Assert.IsType<CephxVerifyResult.Challenge>(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc));
    }

    [Fact]
    public void A_ticket_under_a_secret_id_the_daemon_does_not_hold_is_refused_with_EACCES()
    {
        (_, byte[] authorizer, _) = PrepareOsdAuthorizer();
        var onlyOld = new RotatingKeyring(EntityType.Osd, _mon.Rotating[EntityType.Osd] with { Secrets = [_mon.Rotating[EntityType.Osd].Secrets[0]] });
        var osd = new CephxAuthorizerVerifier(onlyOld, time: _time);
        AssertRefused(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "no rotating secret 2");
    }

    [Fact]
    public void A_ticket_for_another_service_is_refused_with_EACCES()
    {
        (_, byte[] authorizer, _) = PrepareOsdAuthorizer();
        (CephxAuthorizerVerifier mgr, _) = NewDaemon(EntityType.Mgr);
        AssertRefused(mgr.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "service osd");
    }

    [Fact]
    public void A_ticket_encrypted_with_another_key_is_refused_with_EACCES()
    {
        (_, byte[] authorizer, _) = PrepareOsdAuthorizer();
        var forged = new RotatingSecrets([new(1, new ExpiringCryptoKey(CryptoKey.Generate(default), default)), new(2, new ExpiringCryptoKey(CryptoKey.Generate(default), default))], 2);
        var osd = new CephxAuthorizerVerifier(new RotatingKeyring(EntityType.Osd, forged), time: _time);
        AssertRefused(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "decrypt the ticket");
    }

    [Fact]
    public void An_authorizer_claiming_another_global_id_is_refused_with_EACCES()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        authorizer[1] ^= 0x01; // u64 global_id right after the version byte
        AssertRefused(osd.Verify(new CephxVerifierState(), authorizer, false, ConnectionMode.Crc), "global id");
    }

    [Fact]
    public void A_wrong_answer_to_the_challenge_is_refused_and_the_challenge_discarded()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, CephxAuthorizerState clientState) = PrepareOsdAuthorizer();
        var serverState = new CephxVerifierState();
        var challenge = Assert.IsType<CephxVerifyResult.Challenge>(osd.Verify(serverState, authorizer, false, ConnectionMode.Crc));
        ulong serverChallenge = CephxCrypto.DecryptEnvelope<CephXAuthorizeChallenge>(challenge.Reply.Span, clientState.SessionKey!).ServerChallenge;

        // The authorizer rebuilt by hand with server_challenge + 2.
        var r = new DencReader(authorizer);
        CephXAuthorizer original = CephXAuthorizer.Decode(ref r);
        using var w = new DencWriter();
        CephXAuthorizer.WriteBase(w, original.GlobalId, original.ServiceId, original.Ticket);
        CephxCrypto.WriteEncrypted(w, new CephXAuthorize(12345, true, serverChallenge + 2), clientState.SessionKey!);

        AssertRefused(osd.Verify(serverState, w.WrittenSpan, true, ConnectionMode.Crc), "wrong answer");
        Assert.False(serverState.HasChallenge);
    }

    [Fact]
    public void A_retry_that_ignores_the_challenge_is_refused()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        var serverState = new CephxVerifierState();
        Assert.IsType<CephxVerifyResult.Challenge>(osd.Verify(serverState, authorizer, false, ConnectionMode.Crc));
        AssertRefused(osd.Verify(serverState, authorizer, true, ConnectionMode.Crc), "did not answer");
    }

    [Fact]
    public void The_client_rejects_a_daemon_reply_that_does_not_carry_its_nonce_plus_one()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, CephxAuthorizerState clientState) = PrepareOsdAuthorizer();
        using var w = new DencWriter();
        CephxCrypto.WriteEncrypted(w, new CephXAuthorizeReply(42, ReadOnlyMemory<byte>.Empty), clientState.SessionKey!);
        var failed = Assert.IsType<CephxClientStep.Failed>(CephxClient.HandleAuthorizerDone(clientState, ConnectionMode.Crc, w.WrittenSpan));
        Assert.Equal(Errno.EACCES, failed.Errno);

        using var wrongKey = new DencWriter();
        CephxCrypto.WriteEncrypted(wrongKey, new CephXAuthorizeReply(42, ReadOnlyMemory<byte>.Empty), CryptoKey.Generate(default));
        Assert.IsType<CephxClientStep.Failed>(CephxClient.HandleAuthorizerDone(clientState, ConnectionMode.Crc, wrongKey.WrittenSpan));
    }

    [Fact]
    public void Malformed_authorizers_are_refused_not_thrown()
    {
        (CephxAuthorizerVerifier osd, byte[] authorizer, _) = PrepareOsdAuthorizer();
        AssertRefused(osd.Verify(new CephxVerifierState(), [], false, ConnectionMode.Crc), "empty");
        AssertRefused(osd.Verify(new CephxVerifierState(), [10, 0, 0], false, ConnectionMode.Crc), "not an authorizer");
        for (int cut = 1; cut < authorizer.Length; cut++)
        {
            Assert.IsType<CephxVerifyResult.Refused>(osd.Verify(new CephxVerifierState(), authorizer.AsSpan(0, cut), false, ConnectionMode.Crc));
        }
    }

    [Fact]
    public void Without_a_service_ticket_no_authorizer_is_built()
    {
        var client = NewClient();
        var failed = Assert.IsType<CephxClientStep.Failed>(client.BuildAuthorizer(new CephxAuthorizerState(), EntityType.Osd));
        Assert.Equal(Errno.EACCES, failed.Errno);
    }

    // ------------------------------------------------------------------ renewal and rotating keys

    [Fact]
    public void Service_tickets_are_renewed_through_GET_PRINCIPAL_SESSION_KEY_authorized_by_the_AUTH_ticket()
    {
        var client = NewClient();
        var session = new CephxTestMon.Session();
        Login(client, session, ConnectionMode.Secure, out CephxMonState state);
        DateTimeOffset oldExpiry = client.GetTicketStatus(EntityType.Osd)!.Expires!.Value;
        _time.Advance(TimeSpan.FromMinutes(10));

        byte[] request = client.BuildServiceTicketRequest((uint)(EntityType.Osd | EntityType.Mgr))!;
        var r = new DencReader(request);
        Assert.Equal(CephxRequestType.GetPrincipalSessionKey, CephXRequestHeader.Decode(ref r).RequestType);
        Assert.Equal((uint)EntityType.Auth, CephXAuthorizer.Decode(ref r).ServiceId);
        Assert.Equal((uint)(EntityType.Osd | EntityType.Mgr), CephXServiceTicketRequest.Decode(ref r).Keys);
        Assert.True(r.End);

        (int status, byte[] reply) = _mon.Handle(session, request, ConnectionMode.Crc);
        Assert.Equal(0, status);
        var updated = Assert.IsType<CephxReplyOutcome.Updated>(client.HandleMAuthReply(state, 0, reply));
        Assert.Equal(CephxRequestType.GetPrincipalSessionKey, updated.RequestType);
        Assert.False(updated.NeedsMoreTickets);
        Assert.Equal(oldExpiry + TimeSpan.FromMinutes(10), client.GetTicketStatus(EntityType.Osd)!.Expires);
    }

    [Fact]
    public void Tickets_fall_due_once_three_quarters_of_their_validity_passed_and_are_renewed_with_GET_AUTH_SESSION_KEY()
    {
        // Like Ceph's monitor, ours returns the AUTH ticket among other_keys with the service ttl
        // (one hour), so after 45 minutes the AUTH ticket is due too and renewal re-authenticates.
        var client = NewClient();
        var session = new CephxTestMon.Session();
        Login(client, session, ConnectionMode.Secure, out CephxMonState state);
        DateTimeOffset oldExpiry = client.GetTicketStatus(EntityType.Osd)!.Expires!.Value;

        _time.Advance(TimeSpan.FromMinutes(44));
        Assert.Equal(0u, client.NeedKeys());
        Assert.Null(client.BuildTicketRequest(state));
        _time.Advance(TimeSpan.FromMinutes(2)); // 46 min > 60 - 60/4
        Assert.Equal(0x35u, client.NeedKeys());
        Assert.True(client.NeedsTickets);
        Assert.True(client.GetTicketStatus(EntityType.Osd)!.HaveKey);

        byte[] request = client.BuildTicketRequest(state)!;
        var r = new DencReader(request);
        Assert.Equal(CephxRequestType.GetAuthSessionKey, CephXRequestHeader.Decode(ref r).RequestType);
        Assert.Equal(0x35u, CephXAuthenticate.Decode(ref r).OtherKeys);
        (int status, byte[] reply) = _mon.Handle(session, request, ConnectionMode.Crc);
        Assert.Equal(0, status);

        var updated = Assert.IsType<CephxReplyOutcome.Updated>(client.HandleMAuthReply(state, 0, reply));
        Assert.Equal(CephxRequestType.GetAuthSessionKey, updated.RequestType);
        Assert.False(updated.NeedsMoreTickets);
        Assert.Equal(0u, client.NeedKeys());
        Assert.True(client.GetTicketStatus(EntityType.Osd)!.Expires > oldExpiry);
    }

    [Fact]
    public void An_expired_ticket_is_no_longer_held_and_is_needed()
    {
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Crc, out _);
        _time.Advance(CephxTestMon.ServiceTicketTtl + TimeSpan.FromSeconds(1));
        Assert.False(client.GetTicketStatus(EntityType.Osd)!.HaveKey);
        Assert.NotEqual(0u, client.NeedKeys() & (uint)EntityType.Osd);
    }

    [Fact]
    public void Needing_only_the_MGR_ticket_does_not_count_as_needing_tickets()
    {
        var client = NewClient();
        CephxMonState state = LoginWithExtraTickets(client, EntityType.Auth, EntityType.Mon, EntityType.Osd);
        Assert.Equal((uint)EntityType.Mgr, client.NeedKeys());
        Assert.False(client.NeedsTickets);
        Assert.Null(client.BuildTicketRequest(state));
    }

    [Fact]
    public void A_missing_service_ticket_with_a_valid_AUTH_ticket_is_fetched_with_GET_PRINCIPAL_SESSION_KEY()
    {
        var client = NewClient();
        CephxMonState state = LoginWithExtraTickets(client, EntityType.Auth, EntityType.Mon);
        Assert.Equal((uint)(EntityType.Osd | EntityType.Mgr), client.NeedKeys());
        Assert.True(client.NeedsTickets);

        byte[] request = client.BuildTicketRequest(state)!;
        var r = new DencReader(request);
        Assert.Equal(CephxRequestType.GetPrincipalSessionKey, CephXRequestHeader.Decode(ref r).RequestType);
        CephXAuthorizer.Decode(ref r);
        Assert.Equal((uint)(EntityType.Osd | EntityType.Mgr), CephXServiceTicketRequest.Decode(ref r).Keys);
    }

    [Fact]
    public void A_refused_MAuthReply_is_a_typed_failure()
    {
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Crc, out CephxMonState state);
        var failed = Assert.IsType<CephxReplyOutcome.Failed>(client.HandleMAuthReply(state, Errno.EACCES, []));
        Assert.Equal(Errno.EACCES, failed.Errno);
    }

    [Fact]
    public void An_OSD_fetches_its_rotating_secrets_and_then_verifies_tickets_with_them()
    {
        var osdName = new AuthEntityName(EntityType.Osd, "0");
        CryptoKey osdKey = _mon.AddEntity(osdName, (EntityType.Mon, "allow profile osd"));
        var keyring = new RotatingKeyring(EntityType.Osd);
        var osdClient = new CephxClient(osdName, osdKey, (uint)(EntityType.Mon | EntityType.Osd | EntityType.Mgr), keyring, _time);
        var osdSession = new CephxTestMon.Session();
        Login(osdClient, osdSession, ConnectionMode.Crc, out CephxMonState osdState);

        Assert.True(osdClient.NeedsRotatingKeys());
        (int status, byte[] reply) = _mon.Handle(osdSession, CephxClient.BuildRotatingKeyRequest(), ConnectionMode.Crc);
        Assert.Equal(0, status);
        var updated = Assert.IsType<CephxReplyOutcome.Updated>(osdClient.HandleMAuthReply(osdState, 0, reply));
        Assert.Equal(CephxRequestType.GetRotatingKey, updated.RequestType);
        Assert.Equal(3, keyring.Secrets.Secrets.Count);
        Assert.False(osdClient.NeedsRotatingKeys());

        // The admin client's OSD ticket now verifies at this OSD.
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Crc, out _);
        var verifier = new CephxAuthorizerVerifier(keyring, new CephxVerifierOptions { RequireChallenge = false }, _time);
        var request = Assert.IsType<CephxClientStep.Send>(client.BuildAuthorizer(new CephxAuthorizerState(), EntityType.Osd));
        Assert.IsType<CephxVerifyResult.Accepted>(verifier.Verify(new CephxVerifierState(), request.Payload.Span, false, ConnectionMode.Crc));

        // Once the current secret has expired, new ones are due.
        _time.Advance((CephxTestMon.ServiceTicketTtl * 2) - TimeSpan.FromSeconds(31));
        Assert.False(osdClient.NeedsRotatingKeys());
        _time.Advance(TimeSpan.FromSeconds(62));
        Assert.True(osdClient.NeedsRotatingKeys());
    }

    [Fact]
    public void A_client_never_asks_for_rotating_keys()
    {
        var client = new CephxClient(Admin, _adminKey, rotatingKeyring: new RotatingKeyring(EntityType.Osd), time: _time);
        Assert.False(client.NeedsRotatingKeys());
    }

    // ------------------------------------------------------------------ helpers

    private CephxClient NewClient() => new(Admin, _adminKey, time: _time);

    private static byte[] MonRequest(CephxClient client)
    {
        using var w = new DencWriter();
        client.WriteMonAuthRequest(w);
        return w.ToArray();
    }

    private static byte[] Challenge(CephxTestMon.Session session)
    {
        using var w = new DencWriter();
        new CephXServerChallenge(session.ServerChallenge).Encode(w);
        return w.ToArray();
    }

    private CephxClientStep.Done Login(CephxClient client, CephxTestMon.Session session, ConnectionMode mode, out CephxMonState state)
    {
        state = new CephxMonState();
        byte[] reply = AuthDoneReply(client, session, state, mode);
        return Assert.IsType<CephxClientStep.Done>(client.HandleMonAuthDone(state, session.GlobalId, mode, reply));
    }

    /// <summary>A login up to the monitor's AUTH_DONE payload, not yet handed to the client.</summary>
    private byte[] AuthDoneReply(CephxClient client, CephxTestMon.Session session, CephxMonState state, ConnectionMode mode)
    {
        byte[] challenge = _mon.Start(session, MonRequest(client));
        var send = Assert.IsType<CephxClientStep.Send>(client.HandleMonReplyMore(state, challenge));
        (int status, byte[] reply) = _mon.Handle(session, send.Payload.Span, mode);
        Assert.Equal(0, status);
        return reply;
    }

    /// <summary>A login whose AUTH_DONE carries extra tickets only for <paramref name="extras"/> (built by hand with the mint).</summary>
    private CephxMonState LoginWithExtraTickets(CephxClient client, params EntityType[] extras)
    {
        var session = new CephxTestMon.Session();
        var state = new CephxMonState();
        _mon.Start(session, MonRequest(client));
        Assert.IsType<CephxClientStep.Send>(client.HandleMonReplyMore(state, Challenge(session)));
        CephxSessionAuthInfo auth = _mon.Mint(EntityType.Auth, session, string.Empty, CephxTestMon.MonTicketTtl);
        var others = extras.Select(s => _mon.Mint(s, session, "allow *", CephxTestMon.ServiceTicketTtl)).ToList();
        using var w = new DencWriter();
        CephxTicketMint.WriteAuthSessionKeyReply(w, _adminKey, auth, null, [], others);
        Assert.IsType<CephxClientStep.Done>(client.HandleMonAuthDone(state, session.GlobalId, ConnectionMode.Crc, w.WrittenSpan));
        return state;
    }

    private (CephxAuthorizerVerifier Verifier, RotatingKeyring Keyring) NewDaemon(EntityType service)
    {
        var keyring = new RotatingKeyring(service, _mon.Rotating[service]);
        return (new CephxAuthorizerVerifier(keyring, time: _time), keyring);
    }

    private (CephxAuthorizerVerifier Osd, byte[] Authorizer, CephxAuthorizerState State) PrepareOsdAuthorizer()
    {
        var client = NewClient();
        Login(client, new CephxTestMon.Session(), ConnectionMode.Crc, out _);
        var state = new CephxAuthorizerState();
        var request = Assert.IsType<CephxClientStep.Send>(client.BuildAuthorizer(state, EntityType.Osd));
        return (NewDaemon(EntityType.Osd).Verifier, request.Payload.ToArray(), state);
    }

    private static void AssertRefused(CephxVerifyResult result, string reasonPart)
    {
        var refused = Assert.IsType<CephxVerifyResult.Refused>(result);
        Assert.Equal(Errno.EACCES, refused.Errno);
        Assert.Contains(reasonPart, refused.Reason, StringComparison.Ordinal);
    }
}
