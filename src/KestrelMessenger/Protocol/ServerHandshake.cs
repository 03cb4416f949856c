using System.Diagnostics;
using System.Net;
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
    /// <summary>Runs the handshake to READY.</summary>
    public async Task<HandshakeResult> RunAsync(ReadOnlyMemory<byte> bannerSent, ReadOnlyMemory<byte> bannerReceived, long startTimestamp, CancellationToken ct)
    {
        channel.StartCapture(bannerSent.Span, bannerReceived.Span);
        EntityType peerType = await ExchangeHelloAsync(ct);
        Policy policy = host.GetPolicy(peerType);
        AuthServerResult.Done auth = await AuthenticateAsync(peerType, ct);
        (ClientIdentFrame client, ServerIdentFrame mine) = await ExchangeIdentAsync(policy, ct);

        return new HandshakeResult
        {
            Role = HandshakeRole.Server,
            PeerName = new EntityName(peerType, client.Gid),
            PeerAddrs = client.Addrs,
            PeerFeatures = client.SupportedFeatures,
            Features = client.SupportedFeatures & policy.FeaturesSupported,
            Mode = ConnectionMode.Crc,
            GlobalId = auth.GlobalId,
            PeerAuthName = auth.PeerName,
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
        return hello.EntityType;
    }

    private async Task<AuthServerResult.Done> AuthenticateAsync(EntityType peerType, CancellationToken ct)
    {
        IAuthServer auth = host.AuthServer;
        bool more = false;
        uint method = AuthMethod.Unknown;
        ConnectionMode mode = ConnectionMode.Unknown;
        while (true)
        {
            ControlFrameData frame = await channel.ReadAsync(ct);
            ReadOnlyMemory<byte> payload;
            if (!more && frame.Tag == Tag.AuthRequest)
            {
                AuthRequestFrame request = frame.As<AuthRequestFrame>();
                method = request.Method;
                IReadOnlyList<ConnectionMode> allowed = auth.AllowedMethods.Contains(method) ? auth.AllowedModes(method) : [];
                // Secure mode is not implemented yet, so only crc is ever chosen, whatever the auth method allows.
                mode = request.PreferredModes.Select(m => (ConnectionMode)m).FirstOrDefault(m => m == ConnectionMode.Crc && allowed.Contains(m));
                if (mode == ConnectionMode.Unknown)
                {
                    await RefuseAsync(method, Errno.EOPNOTSUPP, ct);
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

            switch (auth.HandleAuthRequest(new AuthServerRequest(peerType, method, payload, more)))
            {
                case AuthServerResult.Done done:
                    // AUTH_DONE is still captured; the capture ends right after it is written.
                    await channel.WriteAsync(new AuthDoneFrame(done.GlobalId, mode, done.Payload), ct);
                    await PreAuthSignature.ExchangeAsync(channel, done.SessionKey, ct);
                    return done;
                case AuthServerResult.More next:
                    more = true;
                    await channel.WriteAsync(new AuthReplyMoreFrame(next.Payload), ct);
                    break;
                case AuthServerResult.Failed failed:
                    await RefuseAsync(method, failed.Errno, ct);
                    more = false;
                    break;
            }
        }
    }

    private ValueTask RefuseAsync(uint method, int errno, CancellationToken ct)
    {
        IAuthServer auth = host.AuthServer;
        IReadOnlyList<uint> modes = [.. auth.AllowedMethods.SelectMany(auth.AllowedModes).Distinct().Select(m => (uint)m)];
        return channel.WriteAsync(new AuthBadMethodFrame(method, errno, auth.AllowedMethods, modes), ct);
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
                throw new ProtocolException($"peer lacks required features 0x{missing:x16}");
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
