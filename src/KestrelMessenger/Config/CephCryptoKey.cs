using System.Buffers.Binary;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Config;

/// <summary>
/// A secret as Ceph's <c>CryptoKey</c> encodes it inside the base64 a keyring holds: le16 type
/// (<see cref="AesType"/> for cephx), <c>utime_t</c> created (le32 seconds, le32 nanoseconds), le16
/// length, then the secret bytes. Only decoded and length-checked here. <see cref="ToString"/> never
/// shows the secret.
/// </summary>
public sealed class CephCryptoKey
{
    /// <summary><c>CEPH_CRYPTO_NONE</c>.</summary>
    public const ushort NoneType = 0;

    /// <summary><c>CEPH_CRYPTO_AES</c>: AES-128, the cephx key type.</summary>
    public const ushort AesType = 1;

    /// <summary>Ceph's <c>AES_KEY_LEN</c>: an AES secret shorter than this is refused ("key is too short").</summary>
    public const int AesKeyLength = 16;

    // type + created + length
    private const int HeaderLength = 2 + UTime.EncodedSize + 2;

    private readonly byte[] _secret;

    private CephCryptoKey(ushort type, UTime created, byte[] secret, string base64)
    {
        Type = type;
        Created = created;
        _secret = secret;
        Base64 = base64;
    }

    /// <summary>The key type: <see cref="AesType"/> or <see cref="NoneType"/>.</summary>
    public ushort Type { get; }

    /// <summary>When the key was made.</summary>
    public UTime Created { get; }

    /// <summary>The secret bytes (16 for an AES key).</summary>
    public ReadOnlyMemory<byte> Secret => _secret;

    /// <summary>The key as a keyring writes it (base64 of the whole encoding, <c>AQ…==</c>).</summary>
    public string Base64 { get; }

    /// <summary>
    /// Decodes Ceph's base64 key text; throws <see cref="CephConfigException"/> (without the key in
    /// its message) when it is not base64 or not a well-formed key. <paramref name="what"/> names
    /// where the key came from in the error.
    /// </summary>
    public static CephCryptoKey FromBase64(string text, string what = "key")
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(trimmed);
        }
        catch (FormatException)
        {
            throw new CephConfigException($"{what}: is not base64");
        }

        return Decode(bytes, trimmed, what);
    }

    private static CephCryptoKey Decode(byte[] bytes, string base64, string what)
    {
        if (bytes.Length < HeaderLength)
        {
            throw new CephConfigException($"{what}: {bytes.Length} bytes is too short for a key ({HeaderLength}-byte header)");
        }

        ReadOnlySpan<byte> span = bytes;
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(span);
        var created = new UTime(BinaryPrimitives.ReadUInt32LittleEndian(span[2..]), BinaryPrimitives.ReadUInt32LittleEndian(span[6..]));
        int length = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
        if (length > bytes.Length - HeaderLength)
        {
            throw new CephConfigException($"{what}: says its secret has {length} bytes but only {bytes.Length - HeaderLength} follow");
        }

        switch (type)
        {
            case AesType when length < AesKeyLength:
                throw new CephConfigException($"{what}: an AES key of {length} bytes is too short (at least {AesKeyLength})");
            case AesType or NoneType:
                break;
            default:
                throw new CephConfigException($"{what}: key type {type} is not supported (1 is AES)");
        }

        // Ceph ignores bytes after the secret; so do we.
        return new CephCryptoKey(type, created, span.Slice(HeaderLength, length).ToArray(), base64);
    }

    /// <inheritdoc />
    public override string ToString() => $"CephCryptoKey({(Type == AesType ? "AES" : "none")}, {_secret.Length} bytes)";
}
