using System.Security.Cryptography;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>Authorizers for daemons (OSD, MGR, MDS), built from the service tickets.</summary>
public sealed partial class CephxClient
{
    /// <summary>
    /// Builds the authorizer for a daemon of <paramref name="service"/> from its service ticket: the
    /// AUTH_REQUEST payload. The nonce and session key are kept in <paramref name="state"/>.
    /// </summary>
    public CephxClientStep BuildAuthorizer(CephxAuthorizerState state, EntityType service)
    {
        ArgumentNullException.ThrowIfNull(state);
        TicketHandler? handler;
        lock (_lock)
        {
            _tickets.TryGetValue((uint)service, out handler);
            handler = handler?.Clone();
        }

        if (handler?.SessionKey is not CryptoKey sessionKey)
        {
            return new CephxClientStep.Failed(Errno.EACCES, $"no {EntityTypes.Name(service)} ticket to build an authorizer from");
        }

        using var writer = new DencWriter(256);
        CephXAuthorizer.WriteBase(writer, GlobalId, (uint)service, handler.Ticket);
        state.Service = service;
        state.SessionKey = sessionKey;
        state.BaseBytes = writer.ToArray();
        state.Nonce = RandomU64();
        CephxCrypto.WriteEncrypted(writer, new CephXAuthorize(state.Nonce, false, 0), sessionKey);
        return new CephxClientStep.Send(writer.ToArray());
    }

    /// <summary>
    /// Answers a daemon's AUTH_REPLY_MORE (raw ciphertext of a <see cref="CephXAuthorizeChallenge"/>):
    /// the authorizer again, now with server_challenge + 1 (Ceph's <c>add_challenge</c>).
    /// </summary>
    public static CephxClientStep HandleAuthorizerReplyMore(CephxAuthorizerState state, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.SessionKey is not CryptoKey sessionKey)
        {
            return new CephxClientStep.Failed(Errno.EACCES, "no authorizer was built on this connection");
        }

        var authorize = new CephXAuthorize(state.Nonce, false, 0);
        if (!payload.IsEmpty)
        {
            try
            {
                CephXAuthorizeChallenge challenge = CephxCrypto.DecryptEnvelope<CephXAuthorizeChallenge>(payload, sessionKey);
                authorize = authorize with { HaveChallenge = true, ServerChallengePlusOne = unchecked(challenge.ServerChallenge + 1) };
            }
            catch (DecodeException e)
            {
                return new CephxClientStep.Failed(Errno.EACCES, $"could not decrypt the authorizer challenge: {e.Message}");
            }
        }

        using var writer = new DencWriter(state.BaseBytes.Length + 64);
        writer.WriteBytes(state.BaseBytes);
        CephxCrypto.WriteEncrypted(writer, authorize, sessionKey);
        return new CephxClientStep.Send(writer.ToArray());
    }

    /// <summary>
    /// Verifies a daemon's AUTH_DONE payload (bufferlist enc(<see cref="CephXAuthorizeReply"/>)): the
    /// nonce must come back plus one. Yields the service session key and the connection secret.
    /// </summary>
    public static CephxClientStep HandleAuthorizerDone(CephxAuthorizerState state, ConnectionMode mode, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.SessionKey is not CryptoKey sessionKey)
        {
            return new CephxClientStep.Failed(Errno.EACCES, "no authorizer was built on this connection");
        }

        CephXAuthorizeReply reply;
        try
        {
            var reader = new DencReader(payload);
            reply = CephxCrypto.ReadEncrypted<CephXAuthorizeReply>(ref reader, sessionKey);
        }
        catch (DecodeException e)
        {
            return new CephxClientStep.Failed(Errno.EACCES, $"could not decrypt the authorizer reply: {e.Message}");
        }

        if (reply.NoncePlusOne != unchecked(state.Nonce + 1))
        {
            return new CephxClientStep.Failed(Errno.EACCES, "the authorizer reply does not carry our nonce + 1");
        }

        if (mode == ConnectionMode.Secure && reply.ConnectionSecret.Length < CephxAuthorizerVerifier.SecureConnectionSecretLength)
        {
            return new CephxClientStep.Failed(Errno.EACCES, $"secure mode needs a {CephxAuthorizerVerifier.SecureConnectionSecretLength}-byte connection secret, the daemon sent {reply.ConnectionSecret.Length}");
        }

        return new CephxClientStep.Done(sessionKey, reply.ConnectionSecret);
    }
}
