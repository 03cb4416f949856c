using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>
/// The connecting side after the banner: HELLO → AUTH_REQUEST (… AUTH_DONE) → AUTH_SIGNATURE →
/// CLIENT_IDENT → SERVER_IDENT. Each step is a short method; any deviation throws
/// <see cref="ProtocolException"/> with the reason.
/// </summary>
public sealed class ClientHandshake(IHandshakeHost host, FrameChannel channel, EntityType expectedPeerType, EntityAddr target, IPEndPoint? localEndPoint)
{
    // Dialling EntityType.Any (a diagnostic ping) takes the peer's type from its HELLO.
    private EntityType peerType;

    /// <summary>Runs the handshake to READY.</summary>
    public async Task<HandshakeResult> RunAsync(ReadOnlyMemory<byte> bannerSent, ReadOnlyMemory<byte> bannerReceived, long startTimestamp, CancellationToken ct)
    {
        channel.StartCapture(bannerSent.Span, bannerReceived.Span);
        peerType = expectedPeerType;
        EntityAddr? seenAs = await ExchangeHelloAsync(ct);
        (ulong globalId, AuthConnectionContext auth) = await AuthenticateAsync(ct);
        await PreAuthSignature.ExchangeAsync(channel, auth.Keys.SessionKey, ct);
        Policy policy = host.GetPolicy(peerType);
        (ClientIdentFrame mine, ServerIdentFrame server) = await ExchangeIdentAsync(policy, seenAs, ct);

        return new HandshakeResult
        {
            Role = HandshakeRole.Client,
            PeerName = new EntityName(peerType, server.Gid),
            PeerAddrs = server.Addrs,
            PeerFeatures = server.SupportedFeatures,
            Features = server.SupportedFeatures & policy.FeaturesSupported,
            Mode = auth.Mode,
            GlobalId = globalId,
            Auth = new CephAuthResult(auth.Method, auth.Mode, globalId, null),
            Codec = channel.Codec,
            AuthContext = auth,
            Lossy = (server.Flags & IdentFlags.Lossy) != 0,
            PeerGlobalSeq = server.GlobalSeq,
            ClientCookie = mine.ClientCookie,
            ServerCookie = server.ServerCookie,
            MyAddrAsSeen = seenAs,
            Duration = Stopwatch.GetElapsedTime(startTimestamp),
        };
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

    private async Task<(ClientIdentFrame Mine, ServerIdentFrame Server)> ExchangeIdentAsync(Policy policy, EntityAddr? seenAs, CancellationToken ct)
    {
        var ident = new ClientIdentFrame(
            Addrs: MyIdentAddrs(seenAs),
            TargetAddr: target,
            Gid: host.MyName.Num,
            GlobalSeq: host.NextGlobalSeq(),
            SupportedFeatures: policy.FeaturesSupported,
            RequiredFeatures: policy.FeaturesRequired | CephFeatures.MsgAddr2,
            Flags: policy.Lossy ? IdentFlags.Lossy : 0,
            ClientCookie: policy.Lossy ? 0 : NonZeroRandom());
        await channel.WriteAsync(ident, ct);

        ControlFrameData reply;
        try
        {
            reply = await channel.ReadAsync(ct);
        }
        catch (ProtocolException e) when (e.Kind == FailureKind.PeerClosed)
        {
            // Ceph answers an address that is not its own (a stale nonce, usually) by closing silently.
            throw new ProtocolException($"peer closed the connection after CLIENT_IDENT: is {target} (nonce included) really its address?", FailureKind.PeerClosed);
        }
        switch (reply.Tag)
        {
            case Tag.ServerIdent:
                ServerIdentFrame server = reply.As<ServerIdentFrame>();
                if (!server.Addrs.Contains(target))
                {
                    throw new ProtocolException($"peer identifies as {server.Addrs}, which does not include the {target} we dialled");
                }

                ulong missing = CephFeatures.Missing(ident.RequiredFeatures, server.SupportedFeatures);
                if (missing != 0)
                {
                    throw new ProtocolException($"peer lacks features we require: 0x{missing:x16}", FailureKind.MissingFeatures);
                }

                return (ident, server);
            case Tag.IdentMissingFeatures:
                throw new ProtocolException($"peer requires features we lack: 0x{reply.As<IdentMissingFeaturesFrame>().MissingFeatures:x16}", FailureKind.MissingFeatures);
            case Tag.Wait:
                throw new ProtocolException("peer answered WAIT (it is connecting to us too); retry later");
            default:
                throw new ProtocolException($"unexpected {reply.Tag} in answer to CLIENT_IDENT");
        }
    }

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
