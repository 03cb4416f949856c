using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>
/// The connecting side after the banner: HELLO → AUTH_REQUEST (… AUTH_DONE) → AUTH_SIGNATURE → the
/// session step: CLIENT_IDENT → SERVER_IDENT for a new session, SESSION_RECONNECT → SESSION_RECONNECT_OK
/// to resume one (with SESSION_RESET, SESSION_RETRY and SESSION_RETRY_GLOBAL answered on the way), or
/// WAIT. Each step is a short method; any deviation throws <see cref="ProtocolException"/> with the reason.
/// </summary>
internal sealed class ClientHandshake(IHandshakeHost host, FrameChannel channel, EntityType expectedPeerType, EntityAddr target, IPEndPoint? localEndPoint, IConnectingSession session)
{
    // Dialling EntityType.Any (a diagnostic ping) takes the peer's type from its HELLO.
    private EntityType peerType;

    /// <summary>Runs the handshake to READY, or to WAIT.</summary>
    public async Task<HandshakeOutcome> RunAsync(ReadOnlyMemory<byte> bannerSent, ReadOnlyMemory<byte> bannerReceived, long startTimestamp, CancellationToken ct)
    {
        channel.StartCapture(bannerSent.Span, bannerReceived.Span);
        peerType = expectedPeerType;
        EntityAddr? seenAs = await ExchangeHelloAsync(ct);
        (ulong globalId, AuthConnectionContext auth) = await AuthenticateAsync(ct);
        await PreAuthSignature.ExchangeAsync(channel, auth.Keys.SessionKey, ct);
        Policy policy = host.GetPolicy(peerType);
        SessionReply reply = await SessionStepAsync(policy, seenAs, ct);
        if (reply.Waited)
        {
            return new HandshakeOutcome.Wait();
        }

        var socket = new HandshakeResult
        {
            Role = HandshakeRole.Client,
            PeerName = new EntityName(peerType, EntityName.New),
            PeerAddrs = EntityAddrVec.Empty,
            PeerFeatures = 0,
            Features = 0,
            Mode = auth.Mode,
            GlobalId = globalId,
            Auth = new CephAuthResult(auth.Method, auth.Mode, globalId, null),
            Codec = channel.Codec,
            AuthContext = auth,
            Lossy = false,
            PeerGlobalSeq = 0,
            ClientCookie = 0,
            ServerCookie = 0,
            MyAddrAsSeen = seenAs,
            Duration = Stopwatch.GetElapsedTime(startTimestamp),
        };
        if (reply.Resumed is HandshakeResult established)
        {
            // A resumed session keeps the peer and the features it was established with; the socket brings its own auth.
            return new HandshakeOutcome.Ready(socket with
            {
                PeerName = established.PeerName,
                PeerAddrs = established.PeerAddrs,
                PeerFeatures = established.PeerFeatures,
                Features = established.Features,
                PeerGlobalSeq = established.PeerGlobalSeq,
                ClientCookie = established.ClientCookie,
                ServerCookie = established.ServerCookie,
                Resumed = true,
            }, null);
        }

        ServerIdentFrame server = reply.Server!;
        return new HandshakeOutcome.Ready(socket with
        {
            PeerName = new EntityName(peerType, server.Gid),
            PeerAddrs = server.Addrs,
            PeerFeatures = server.SupportedFeatures,
            Features = server.SupportedFeatures & policy.FeaturesSupported,
            Lossy = (server.Flags & IdentFlags.Lossy) != 0,
            PeerGlobalSeq = server.GlobalSeq,
            ClientCookie = reply.ClientCookie,
            ServerCookie = server.ServerCookie,
        }, null);
    }

    private async Task<EntityAddr?> ExchangeHelloAsync(CancellationToken ct)
    {
        await channel.WriteAsync(new HelloFrame(host.MyName.Type, target), ct);
        HelloFrame hello = (await channel.ReadAsync(ct)).As<HelloFrame>();
        if (!EntityTypes.IsPeerType(hello.EntityType))
        {
            throw new ProtocolException($"peer's HELLO names entity type 0x{(byte)hello.EntityType:x2}, which is no Ceph entity type");
        }

        if (expectedPeerType != EntityType.Any && hello.EntityType != expectedPeerType)
        {
            throw new ProtocolException($"peer is a {EntityTypes.Name(hello.EntityType)}, not the {EntityTypes.Name(expectedPeerType)} we meant to reach");
        }

        peerType = hello.EntityType;
        return hello.PeerAddr;
    }

    private async Task<(ulong GlobalId, AuthConnectionContext Auth)> AuthenticateAsync(CancellationToken ct)
    {
        IAuthClient client = host.AuthClient;
        var auth = new AuthConnectionContext(HandshakeRole.Client, host.MyName.Type, peerType);
        // A method none of whose modes we allow (auth none when only secure is) is not worth offering.
        uint[] ours = [.. host.AuthRegistry.Methods(peerType).Where(m => client.Methods.Contains(m) && host.AuthRegistry.Modes(peerType, m).Count > 0)];
        if (ours.Length == 0)
        {
            throw new ProtocolException(
                $"no auth method we can speak is allowed towards a {EntityTypes.Name(peerType)} with the modes we allow (methods configured: [{string.Join(", ", host.AuthRegistry.Methods(peerType).Select(AuthMethod.Name))}], ours: [{string.Join(", ", client.Methods.Select(AuthMethod.Name))}]; auth none allows crc mode only)",
                FailureKind.AuthRefused);
        }

        await RequestAsync(auth, ours[0], ct);
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            switch (frame.Tag)
            {
                case Tag.AuthBadMethod:
                    await RetryAsync(auth, ours, frame.As<AuthBadMethodFrame>(), ct);
                    break;

                case Tag.AuthReplyMore:
                {
                    ReadOnlyMemory<byte> payload = Step(auth, client.HandleAuthReplyMore(auth, frame.As<AuthReplyMoreFrame>().Payload));
                    await channel.WriteAsync(new AuthRequestMoreFrame(payload), ct);
                    break;
                }

                case Tag.AuthDone:
                {
                    AuthDoneFrame done = frame.As<AuthDoneFrame>();
                    if (!auth.PreferredModes.Contains(done.Mode))
                    {
                        throw new ProtocolException($"peer chose connection mode {done.Mode}, which we did not offer ([{string.Join(", ", auth.PreferredModes)}])");
                    }

                    auth.Mode = done.Mode;
                    switch (client.HandleAuthDone(auth, done.GlobalId, done.Payload))
                    {
                        case AuthClientResult.Done keys:
                            auth.Keys = keys.Keys;
                            break;
                        case AuthClientResult.Failed failed:
                            throw Refused(auth, failed);
                        default:
                            throw new ProtocolException($"{AuthMethod.Name(auth.Method)} has nothing to send after AUTH_DONE");
                    }

                    // From here on both directions are protected as the mode says: the server switched as it sent AUTH_DONE.
                    channel.UseCodec(FrameCodecs.For(auth.Mode, auth.Keys, HandshakeRole.Client));
                    return (done.GlobalId, auth);
                }

                default:
                    throw new ProtocolException($"unexpected {frame.Tag} during authentication");
            }
        }
    }

    private async Task RequestAsync(AuthConnectionContext auth, uint method, CancellationToken ct)
    {
        auth.Method = method;
        auth.PreferredModes = host.AuthRegistry.Modes(peerType, method);
        auth.MethodState = null;
        ReadOnlyMemory<byte> payload = Step(auth, host.AuthClient.GetAuthRequest(auth));
        await channel.WriteAsync(new AuthRequestFrame(method, [.. auth.PreferredModes.Select(m => (uint)m)], payload), ct);
    }

    /// <summary>
    /// After AUTH_BAD_METHOD a monitor is offered our next method it allows, as Ceph's MonClient does;
    /// another daemon's refusal is final (Ceph's authorizers have no second method).
    /// </summary>
    private async Task RetryAsync(AuthConnectionContext auth, uint[] ours, AuthBadMethodFrame refusal, CancellationToken ct)
    {
        int at = Array.IndexOf(ours, auth.Method);
        uint? next = peerType == EntityType.Mon
            ? ours.Skip(at + 1).Where(refusal.AllowedMethods.Contains).Select(m => (uint?)m).FirstOrDefault()
            : null;
        if (next is not uint method)
        {
            throw new ProtocolException(
                $"auth refused: {AuthMethod.Name(refusal.Method)} answered {Errno.Name(refusal.Result)}; the peer allows methods [{string.Join(",", refusal.AllowedMethods)}] and modes [{string.Join(",", refusal.AllowedModes)}]",
                FailureKind.AuthRefused);
        }

        await RequestAsync(auth, method, ct);
    }

    private static ReadOnlyMemory<byte> Step(AuthConnectionContext auth, AuthClientResult result) => result switch
    {
        AuthClientResult.Send send => send.Payload,
        AuthClientResult.Failed failed => throw Refused(auth, failed),
        _ => throw new ProtocolException($"{AuthMethod.Name(auth.Method)} finished before the server did"),
    };

    private static ProtocolException Refused(AuthConnectionContext auth, AuthClientResult.Failed failed) =>
        new($"{AuthMethod.Name(auth.Method)}: {failed.Reason} ({Errno.Name(failed.Errno)})", FailureKind.AuthRefused);

    /// <summary>
    /// The session step: what the session says to send (CLIENT_IDENT or SESSION_RECONNECT), then the
    /// server's answers, each handed to the session's rule, until the session is established, resumed,
    /// or told to WAIT.
    /// </summary>
    private async Task<SessionReply> SessionStepAsync(Policy policy, EntityAddr? seenAs, CancellationToken ct)
    {
        ClientSessionStep step = session.Begin();
        while (true)
        {
            ulong clientCookie;
            switch (step)
            {
                case ClientSessionStep.SendIdent ident:
                    clientCookie = ident.Session.ClientCookie;
                    await channel.WriteAsync(new ClientIdentFrame(
                        Addrs: MyIdentAddrs(seenAs),
                        TargetAddr: target,
                        Gid: host.MyName.Num,
                        GlobalSeq: ident.Session.GlobalSeq,
                        SupportedFeatures: policy.FeaturesSupported,
                        RequiredFeatures: policy.FeaturesRequired | CephFeatures.MsgAddr2,
                        Flags: policy.Lossy ? IdentFlags.Lossy : 0,
                        ClientCookie: clientCookie), ct);
                    break;
                case ClientSessionStep.SendReconnect reconnect:
                    clientCookie = reconnect.Session.ClientCookie;
                    await channel.WriteAsync(new SessionReconnectFrame(MyIdentAddrs(seenAs), reconnect.Session.ClientCookie, reconnect.Session.ServerCookie,
                        reconnect.Session.GlobalSeq, reconnect.Session.ConnectSeq, reconnect.Session.InSeq), ct);
                    break;
                default:
                    throw new InvalidOperationException($"a session step cannot start with {step}");
            }

            ControlFrameData reply = await ReadSessionReplyAsync(ct);
            bool reconnecting = step is ClientSessionStep.SendReconnect;
            switch (reply.Tag)
            {
                case Tag.ServerIdent when !reconnecting:
                    ServerIdentFrame server = reply.As<ServerIdentFrame>();
                    CheckServerIdent(server, policy);
                    session.OnServerIdent(server);
                    return new SessionReply(server, null, clientCookie, false);
                case Tag.SessionReconnectOk when reconnecting:
                    return new SessionReply(null, session.OnReconnectOk(reply.As<SessionReconnectOkFrame>().MsgSeq), clientCookie, false);
                case Tag.SessionReset when reconnecting:
                    step = session.OnReset(reply.As<SessionResetFrame>().Full);
                    break;
                case Tag.SessionRetry when reconnecting:
                    step = session.OnRetry(reply.As<SessionRetryFrame>().ConnectSeq);
                    break;
                case Tag.SessionRetryGlobal when reconnecting:
                    step = session.OnRetryGlobal(reply.As<SessionRetryGlobalFrame>().GlobalSeq);
                    break;
                case Tag.Wait:
                    reply.As<WaitFrame>();
                    session.OnWait();
                    return new SessionReply(null, null, clientCookie, true);
                case Tag.IdentMissingFeatures when !reconnecting:
                    throw new ProtocolException($"peer requires features we lack: 0x{reply.As<IdentMissingFeaturesFrame>().MissingFeatures:x16}", FailureKind.MissingFeatures);
                default:
                    throw new ProtocolException($"unexpected {reply.Tag} in answer to {(reconnecting ? "SESSION_RECONNECT" : "CLIENT_IDENT")}");
            }
        }
    }

    private async Task<ControlFrameData> ReadSessionReplyAsync(CancellationToken ct)
    {
        try
        {
            return await channel.ReadAsync(ct);
        }
        catch (ProtocolException e) when (e.Kind == FailureKind.PeerClosed)
        {
            // Ceph answers an address that is not its own (a stale nonce, usually) by closing silently.
            throw new ProtocolException($"peer closed the connection after our session frame: is {target} (nonce included) really its address?", FailureKind.PeerClosed);
        }
    }

    private void CheckServerIdent(ServerIdentFrame server, Policy policy)
    {
        if (!server.Addrs.Contains(target))
        {
            throw new ProtocolException($"peer identifies as {server.Addrs}, which does not include the {target} we dialled");
        }

        ulong missing = CephFeatures.Missing(policy.FeaturesRequired | CephFeatures.MsgAddr2, server.SupportedFeatures);
        if (missing != 0)
        {
            throw new ProtocolException($"peer lacks features we require: 0x{missing:x16}", FailureKind.MissingFeatures);
        }
    }

    /// <summary>How the session step ended: established (with the server's IDENT), resumed (with what the session had), or WAIT.</summary>
    private sealed record SessionReply(ServerIdentFrame? Server, HandshakeResult? Resumed, ulong ClientCookie, bool Waited);

    private EntityAddrVec MyIdentAddrs(EntityAddr? seenAs)
    {
        if (host.MyAddrs.Count > 0)
        {
            return host.MyAddrs;
        }

        // An unbound client names itself "any:<ip>:0/<nonce>", learning its IP from the peer's HELLO
        // as librados does; Ceph rejects a blank first address.
        IPAddress ip = seenAs?.EndPoint?.Address ?? localEndPoint?.Address ?? IPAddress.Loopback;
        return new EntityAddrVec(new EntityAddr(EntityAddrType.Any, host.Nonce, new IPEndPoint(ip, 0)));
    }

    internal static ulong NonZeroRandom()
    {
        ulong value;
        do
        {
            value = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        }
        while (value == 0);
        return value;
    }
}
