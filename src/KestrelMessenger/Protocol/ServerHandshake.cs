using System.Diagnostics;
using System.Net;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>
/// The accepting side after the banner: HELLO → AUTH_REQUEST … AUTH_DONE → AUTH_SIGNATURE → the session
/// step (CLIENT_IDENT → SERVER_IDENT, or SESSION_RECONNECT → SESSION_RECONNECT_OK, or the answers that
/// send the client round again: SESSION_RESET, SESSION_RETRY, SESSION_RETRY_GLOBAL, WAIT), applying
/// Ceph's checks (auth method and mode, the dialled address, required features). Which session the
/// socket serves is the <see cref="ISessionAcceptor"/>'s decision.
/// </summary>
internal sealed class ServerHandshake(IHandshakeHost host, ISessionAcceptor sessions, FrameChannel channel, IPEndPoint? remoteEndPoint)
{
    /// <summary>Refused AUTH_REQUESTs after which the connection is closed.</summary>
    public const int MaxAuthRefusals = 3;

    /// <summary>Runs the handshake to READY (or to WAIT, or a stale socket's end).</summary>
    public async Task<HandshakeOutcome> RunAsync(ReadOnlyMemory<byte> bannerSent, ReadOnlyMemory<byte> bannerReceived, long startTimestamp, CancellationToken ct)
    {
        channel.StartCapture(bannerSent.Span, bannerReceived.Span);
        EntityType peerType = await ExchangeHelloAsync(ct);
        Policy policy = host.GetPolicy(peerType);
        (AuthServerResult.Done done, AuthConnectionContext auth) = await AuthenticateAsync(peerType, ct);
        var socket = new HandshakeResult
        {
            Role = HandshakeRole.Server,
            PeerName = new EntityName(peerType, EntityName.New),
            PeerAddrs = EntityAddrVec.Empty,
            PeerFeatures = 0,
            Features = 0,
            Mode = auth.Mode,
            GlobalId = done.GlobalId,
            Auth = new CephAuthResult(auth.Method, auth.Mode, done.GlobalId, done.Peer),
            Codec = channel.Codec,
            AuthContext = auth,
            Lossy = policy.Lossy,
            PeerGlobalSeq = 0,
            ClientCookie = 0,
            ServerCookie = 0,
            Duration = TimeSpan.Zero,
        };
        return await SessionStepAsync(new AcceptContext(peerType, policy, remoteEndPoint?.ToString() ?? "?", host.MyAddrs.Msgr2), socket, startTimestamp, ct);
    }

    private async Task<EntityType> ExchangeHelloAsync(CancellationToken ct)
    {
        // Tell the client how it looks from here; an unbound client learns its IP from this.
        var seen = new EntityAddr(EntityAddrType.Msgr2, 0, remoteEndPoint);
        await channel.WriteAsync(new HelloFrame(host.MyName.Type, seen), ct);
        HelloFrame hello = (await channel.ReadAsync(ct)).As<HelloFrame>();
        if (!EntityTypes.IsPeerType(hello.EntityType))
        {
            throw new ProtocolException($"peer's HELLO names entity type 0x{(byte)hello.EntityType:x2}, which is no Ceph entity type");
        }

        return hello.EntityType;
    }

    private async Task<(AuthServerResult.Done Done, AuthConnectionContext Auth)> AuthenticateAsync(EntityType peerType, CancellationToken ct)
    {
        IAuthServer server = host.AuthServer;
        AuthRegistry registry = host.AuthRegistry;
        var auth = new AuthConnectionContext(HandshakeRole.Server, host.MyName.Type, peerType);
        bool more = false;
        int refusals = 0;
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            ReadOnlyMemory<byte> payload;
            if (!more && frame.Tag == Tag.AuthRequest)
            {
                AuthRequestFrame request = frame.As<AuthRequestFrame>();
                auth.Method = request.Method;
                auth.PreferredModes = [.. request.PreferredModes.Select(m => (ConnectionMode)m)];
                auth.MethodState = null;
                bool allowed = server.Methods.Contains(request.Method) && registry.Methods(peerType).Contains(request.Method);
                auth.Mode = allowed ? registry.PickMode(peerType, request.Method, auth.PreferredModes) : ConnectionMode.Unknown;
                if (auth.Mode == ConnectionMode.Unknown)
                {
                    string why = allowed ? "no allowed connection mode offered" : "method not allowed";
                    await RefuseAsync(auth, Errno.EOPNOTSUPP, why, ++refusals, ct);
                    continue;
                }

                payload = request.Payload;
            }
            else if (more && frame.Tag == Tag.AuthRequestMore)
            {
                payload = frame.As<AuthRequestMoreFrame>().Payload;
            }
            else
            {
                throw new ProtocolException($"unexpected {frame.Tag} during authentication");
            }

            switch (server.HandleAuthRequest(auth, payload, more))
            {
                case AuthServerResult.Done done:
                    // AUTH_DONE is still captured and still in crc framing; the capture ends right after it is written.
                    await channel.WriteAsync(new AuthDoneFrame(done.GlobalId, auth.Mode, done.Payload), ct);
                    auth.Keys = done.Keys;
                    channel.UseCodec(FrameCodecs.For(auth.Mode, auth.Keys, HandshakeRole.Server));
                    await PreAuthSignature.ExchangeAsync(channel, done.Keys.SessionKey, ct);
                    return (done, auth);
                case AuthServerResult.More next:
                    more = true;
                    await channel.WriteAsync(new AuthReplyMoreFrame(next.Payload), ct);
                    break;
                case AuthServerResult.Failed { Errno: Errno.EBUSY } busy:
                    // Ceph's answer while it cannot judge (a monitor without quorum): drop the connection, no refusal.
                    throw new ProtocolException($"auth server is busy: {busy.Reason}", FailureKind.AuthRefused);
                case AuthServerResult.Failed failed:
                    await RefuseAsync(auth, failed.Errno, failed.Reason, ++refusals, ct);
                    more = false;
                    break;
            }
        }
    }

    /// <summary>
    /// Sends AUTH_BAD_METHOD with what is allowed for this peer type and logs the refusal once. A peer
    /// that keeps asking for what it was refused is closed after <see cref="MaxAuthRefusals"/>: a real
    /// client tries each method it has once.
    /// </summary>
    private async ValueTask RefuseAsync(AuthConnectionContext auth, int errno, string reason, int refusals, CancellationToken ct)
    {
        MessengerLog.AuthRefused(host.Logger, host.Name, remoteEndPoint?.ToString() ?? "?", EntityTypes.Name(auth.PeerType), auth.Method,
            string.Join(",", auth.PreferredModes.Select(m => (uint)m)), errno, reason, refusals);
        IReadOnlyList<uint> methods = [.. host.AuthRegistry.Methods(auth.PeerType).Where(host.AuthServer.Methods.Contains)];
        IReadOnlyList<uint> modes = [.. host.AuthRegistry.AllModes(auth.PeerType).Select(m => (uint)m)];
        await channel.WriteAsync(new AuthBadMethodFrame(auth.Method, errno, methods, modes), ct);
        if (refusals >= MaxAuthRefusals)
        {
            throw new ProtocolException($"closing after {refusals} refused AUTH_REQUESTs (last: method {auth.Method}, {reason})", FailureKind.AuthRefused);
        }
    }

    /// <summary>
    /// Reads CLIENT_IDENT or SESSION_RECONNECT and lets the acceptor decide, answering until the socket
    /// is bound to a session (SERVER_IDENT, SESSION_RECONNECT_OK), told to WAIT, or dropped as stale.
    /// </summary>
    private async Task<HandshakeOutcome> SessionStepAsync(AcceptContext context, HandshakeResult socket, long startTimestamp, CancellationToken ct)
    {
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            ClientIdentFrame? client = null;
            AcceptStep step;
            if (frame.Tag == Tag.SessionReconnect)
            {
                SessionReconnectFrame reconnect = frame.As<SessionReconnectFrame>();
                CheckClientAddrs(reconnect.Addrs);
                step = await sessions.AcceptReconnectAsync(context, reconnect, ct);
            }
            else
            {
                client = frame.As<ClientIdentFrame>();
                await CheckClientIdentAsync(client, context.Policy, ct);
                step = await sessions.AcceptIdentAsync(context, client, ct);
            }

            switch (step)
            {
                case AcceptStep.Reply reply:
                    await channel.WriteAsync(reply.Frame, ct);
                    continue;
                case AcceptStep.Wait:
                    await channel.WriteAsync(new WaitFrame(), ct);
                    return new HandshakeOutcome.Wait();
                case AcceptStep.Stale:
                    return new HandshakeOutcome.Stale();
            }

            // The socket now belongs to a session: if it fails before READY, the session must hear of it.
            try
            {
                return step switch
                {
                    AcceptStep.Ident ident => await SendIdentAsync(ident, client!, context.Policy, socket, startTimestamp, ct),
                    AcceptStep.ReconnectOk ok => await SendReconnectOkAsync(ok, socket, startTimestamp, ct),
                    _ => throw new InvalidOperationException($"unexpected accept step {step}"),
                };
            }
            catch (Exception e)
            {
                sessions.Abandon(step, new ConnectionFailure(FailureKind.PeerClosed, $"handshake failed before READY: {e.Message}"));
                throw;
            }
        }
    }

    private async Task<HandshakeOutcome> SendIdentAsync(AcceptStep.Ident step, ClientIdentFrame client, Policy policy, HandshakeResult socket, long startTimestamp, CancellationToken ct)
    {
        var ident = new ServerIdentFrame(
            Addrs: host.MyAddrs,
            Gid: host.MyName.Num,
            GlobalSeq: host.NextGlobalSeq(),
            SupportedFeatures: policy.FeaturesSupported,
            RequiredFeatures: policy.FeaturesRequired | CephFeatures.MsgAddr2,
            Flags: policy.Lossy ? IdentFlags.Lossy : 0,
            ServerCookie: step.ServerCookie);
        await channel.WriteAsync(ident, ct);
        return new HandshakeOutcome.Ready(socket with
        {
            PeerName = new EntityName(socket.PeerName.Type, client.Gid),
            PeerAddrs = client.Addrs,
            PeerFeatures = client.SupportedFeatures,
            Features = client.SupportedFeatures & policy.FeaturesSupported,
            PeerGlobalSeq = client.GlobalSeq,
            ClientCookie = client.ClientCookie,
            ServerCookie = step.ServerCookie,
            Duration = Stopwatch.GetElapsedTime(startTimestamp),
        }, step.Session);
    }

    private async Task<HandshakeOutcome> SendReconnectOkAsync(AcceptStep.ReconnectOk step, HandshakeResult socket, long startTimestamp, CancellationToken ct)
    {
        await channel.WriteAsync(new SessionReconnectOkFrame(step.InSeq), ct);
        HandshakeResult established = step.Established;
        return new HandshakeOutcome.Ready(socket with
        {
            PeerName = established.PeerName,
            PeerAddrs = established.PeerAddrs,
            PeerFeatures = established.PeerFeatures,
            Features = established.Features,
            Lossy = false,
            PeerGlobalSeq = established.PeerGlobalSeq,
            ClientCookie = established.ClientCookie,
            ServerCookie = established.ServerCookie,
            Resumed = true,
            Duration = Stopwatch.GetElapsedTime(startTimestamp),
        }, step.Session);
    }

    /// <summary>Ceph's checks on CLIENT_IDENT: a real address for the client, our own as its target, the features we require.</summary>
    private async ValueTask CheckClientIdentAsync(ClientIdentFrame client, Policy policy, CancellationToken ct)
    {
        CheckClientAddrs(client.Addrs);
        EntityAddrVec mine = host.MyAddrs;
        if (!mine.Any(client.TargetAddr.MatchesServerAddr))
        {
            throw new ProtocolException($"peer is trying to reach {client.TargetAddr}, which is not us ({mine})");
        }

        ulong missing = CephFeatures.Missing(policy.FeaturesRequired | CephFeatures.MsgAddr2, client.SupportedFeatures);
        if (missing != 0)
        {
            await channel.WriteAsync(new IdentMissingFeaturesFrame(missing), ct);
            throw new ProtocolException($"peer lacks required features 0x{missing:x16}", FailureKind.MissingFeatures);
        }
    }

    private static void CheckClientAddrs(EntityAddrVec addrs)
    {
        if (addrs.Count == 0 || addrs[0].IsBlank)
        {
            throw new ProtocolException("the client names no address for itself");
        }
    }
}
