using System.Diagnostics;
using System.Net;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>
/// The accepting side after the banner: HELLO → AUTH_REQUEST … AUTH_DONE → AUTH_SIGNATURE →
/// CLIENT_IDENT → SERVER_IDENT, applying Ceph's checks (auth method and mode, the dialled
/// address, required features).
/// </summary>
public sealed class ServerHandshake(IHandshakeHost host, FrameChannel channel, IPEndPoint? remoteEndPoint)
{
    /// <summary>Refused AUTH_REQUESTs after which the connection is closed.</summary>
    public const int MaxAuthRefusals = 3;

    /// <summary>Runs the handshake to READY.</summary>
    public async Task<HandshakeResult> RunAsync(ReadOnlyMemory<byte> bannerSent, ReadOnlyMemory<byte> bannerReceived, long startTimestamp, CancellationToken ct)
    {
        channel.StartCapture(bannerSent.Span, bannerReceived.Span);
        EntityType peerType = await ExchangeHelloAsync(ct);
        Policy policy = host.GetPolicy(peerType);
        (AuthServerResult.Done done, AuthConnectionContext auth) = await AuthenticateAsync(peerType, ct);
        (ClientIdentFrame client, ServerIdentFrame mine) = await ExchangeIdentAsync(policy, ct);

        return new HandshakeResult
        {
            Role = HandshakeRole.Server,
            PeerName = new EntityName(peerType, client.Gid),
            PeerAddrs = client.Addrs,
            PeerFeatures = client.SupportedFeatures,
            Features = client.SupportedFeatures & policy.FeaturesSupported,
            Mode = auth.Mode,
            GlobalId = done.GlobalId,
            Auth = new CephAuthResult(auth.Method, auth.Mode, done.GlobalId, done.Peer),
            Codec = channel.Codec,
            AuthContext = auth,
            Lossy = (mine.Flags & IdentFlags.Lossy) != 0,
            PeerGlobalSeq = client.GlobalSeq,
            ClientCookie = client.ClientCookie,
            ServerCookie = mine.ServerCookie,
            Duration = Stopwatch.GetElapsedTime(startTimestamp),
        };
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

    private async Task<(ClientIdentFrame Client, ServerIdentFrame Mine)> ExchangeIdentAsync(Policy policy, CancellationToken ct)
    {
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            if (frame.Tag == Tag.SessionReconnect)
            {
                // No lossless sessions survive yet, so every reconnect finds nothing: a full reset
                // makes the client start afresh with CLIENT_IDENT on this same connection.
                frame.As<SessionReconnectFrame>();
                await channel.WriteAsync(new SessionResetFrame(Full: true), ct);
                continue;
            }

            ClientIdentFrame client = frame.As<ClientIdentFrame>();
            if (client.Addrs.Count == 0 || client.Addrs[0].IsBlank)
            {
                throw new ProtocolException("CLIENT_IDENT names no address for the client");
            }

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

            bool lossy = policy.Lossy || (client.Flags & IdentFlags.Lossy) != 0;
            var ident = new ServerIdentFrame(
                Addrs: mine,
                Gid: host.MyName.Num,
                GlobalSeq: host.NextGlobalSeq(),
                SupportedFeatures: policy.FeaturesSupported,
                RequiredFeatures: policy.FeaturesRequired | CephFeatures.MsgAddr2,
                Flags: lossy ? IdentFlags.Lossy : 0,
                ServerCookie: lossy ? 0 : ClientHandshake.NonZeroRandom());
            await channel.WriteAsync(ident, ct);
            return (client, ident);
        }
    }
}
