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
        (ulong globalId, ConnectionMode mode, ReadOnlyMemory<byte> sessionKey) = await AuthenticateAsync(ct);
        await PreAuthSignature.ExchangeAsync(channel, sessionKey, ct);
        Policy policy = host.GetPolicy(peerType);
        (ClientIdentFrame mine, ServerIdentFrame server) = await ExchangeIdentAsync(policy, seenAs, ct);

        return new HandshakeResult
        {
            Role = HandshakeRole.Client,
            PeerName = new EntityName(peerType, server.Gid),
            PeerAddrs = server.Addrs,
            PeerFeatures = server.SupportedFeatures,
            Features = server.SupportedFeatures & policy.FeaturesSupported,
            Mode = mode,
            GlobalId = globalId,
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

    private async Task<(ulong GlobalId, ConnectionMode Mode, ReadOnlyMemory<byte> SessionKey)> AuthenticateAsync(CancellationToken ct)
    {
        AuthRequest request = host.AuthClient.GetAuthRequest(peerType);
        await channel.WriteAsync(new AuthRequestFrame(request.Method, [.. request.PreferredModes.Select(m => (uint)m)], request.Payload), ct);
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            switch (frame.Tag)
            {
                case Tag.AuthBadMethod:
                {
                    AuthBadMethodFrame refusal = frame.As<AuthBadMethodFrame>();
                    AuthRequest? retry = host.AuthClient.HandleAuthBadMethod(peerType, refusal);
                    if (retry is null)
                    {
                        throw new ProtocolException(
                            $"auth refused: method {refusal.Method} result {refusal.Result}; the peer allows methods [{string.Join(",", refusal.AllowedMethods)}] and modes [{string.Join(",", refusal.AllowedModes)}]",
                            FailureKind.AuthRefused);
                    }

                    await channel.WriteAsync(new AuthRequestFrame(retry.Method, [.. retry.PreferredModes.Select(m => (uint)m)], retry.Payload), ct);
                    break;
                }

                case Tag.AuthReplyMore:
                {
                    AuthReplyMoreFrame more = frame.As<AuthReplyMoreFrame>();
                    await channel.WriteAsync(new AuthRequestMoreFrame(host.AuthClient.HandleAuthReplyMore(peerType, more.Payload.Span)), ct);
                    break;
                }

                case Tag.AuthDone:
                {
                    AuthDoneFrame done = frame.As<AuthDoneFrame>();
                    if (done.Mode != ConnectionMode.Crc)
                    {
                        throw new ProtocolException($"peer chose connection mode {done.Mode}; only crc mode is implemented");
                    }

                    return (done.GlobalId, done.Mode, host.AuthClient.HandleAuthDone(peerType, done.GlobalId, done.Mode, done.Payload.Span));
                }

                default:
                    throw new ProtocolException($"unexpected {frame.Tag} during authentication");
            }
        }
    }

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
