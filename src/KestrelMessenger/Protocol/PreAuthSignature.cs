using System.Security.Cryptography;

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
}
