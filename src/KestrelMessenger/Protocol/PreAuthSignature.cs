using System.Security.Cryptography;
using KestrelMessenger.Protocol.Frames;

namespace KestrelMessenger.Protocol;

/// <summary>
/// AUTH_SIGNATURE contents: HMAC-SHA256 over the pre-auth bytes keyed with the session key,
/// or 32 zero bytes when the auth method has no key (auth none).
/// </summary>
public static class PreAuthSignature
{
    /// <summary>The signature over <paramref name="bytes"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> bytes) =>
        sessionKey.IsEmpty ? new byte[HMACSHA256.HashSizeInBytes] : HMACSHA256.HashData(sessionKey, bytes);

    /// <summary>Checks a peer's signature over what we sent, in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sentBytes, ReadOnlySpan<byte> signature) =>
        CryptographicOperations.FixedTimeEquals(Compute(sessionKey, sentBytes), signature);

    /// <summary>
    /// Ends the pre-auth capture, sends our AUTH_SIGNATURE over what we received, and checks the
    /// peer's over what we sent. Both roles do the same; the signatures cross on the wire.
    /// </summary>
    public static async Task ExchangeAsync(FrameChannel channel, ReadOnlyMemory<byte> sessionKey, CancellationToken ct)
    {
        (byte[] sent, byte[] received) = channel.StopCapture();
        await channel.WriteAsync(new AuthSignatureFrame(Compute(sessionKey.Span, received)), ct);
        AuthSignatureFrame peer = (await channel.ReadAsync(ct)).As<AuthSignatureFrame>();
        if (!Verify(sessionKey.Span, sent, peer.Signature.Span))
        {
            throw new ProtocolException("peer's AUTH_SIGNATURE does not match the bytes we sent (pre-auth tampering?)", FailureKind.AuthRefused);
        }

        channel.MarkAuthenticated();
    }
}
