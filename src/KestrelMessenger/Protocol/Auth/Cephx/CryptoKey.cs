using System.Security.Cryptography;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary><c>CEPH_CRYPTO_*</c>: the cipher a <see cref="CryptoKey"/> is for.</summary>
public static class CryptoKeyType
{
    /// <summary>No cipher (only ever seen on an empty, unset key).</summary>
    public const ushort None = 0;

    /// <summary>AES-128-CBC with Ceph's fixed IV and PKCS#7 padding: every cephx key.</summary>
    public const ushort Aes = 1;
}

/// <summary>
/// Ceph's <c>CryptoKey</c>: a secret with its cipher type and creation stamp. On the wire (and, in
/// base64, in a keyring) it is <c>u16 type, utime created, u16 len, len bytes</c>. A keyring key, a
/// ticket session key and a rotating service secret are all of this type. The secret never appears
/// in <see cref="ToString"/> or in any exception message.
/// </summary>
public sealed class CryptoKey : IEquatable<CryptoKey>
{
    /// <summary>Length of an AES-128 secret: the only AES length Ceph creates or accepts.</summary>
    public const int AesKeyLength = 16;

    /// <summary>Encoded size of an AES key (2 + 8 + 2 + 16).</summary>
    public const int EncodedAesSize = 2 + UTime.EncodedSize + 2 + AesKeyLength;

    private readonly byte[] _secret;

    private CryptoKey(ushort type, UTime created, byte[] secret)
    {
        Type = type;
        Created = created;
        _secret = secret;
    }

    /// <summary>The empty key a default-constructed Ceph <c>CryptoKey</c> encodes as (type 0, no secret).</summary>
    public static CryptoKey Empty { get; } = new(CryptoKeyType.None, default, []);

    /// <summary>A <see cref="CryptoKeyType"/> value.</summary>
    public ushort Type { get; }

    /// <summary>When the key was made (informational; Ceph never checks it).</summary>
    public UTime Created { get; }

    /// <summary>True for a key without a secret (<see cref="Empty"/>).</summary>
    public bool IsEmpty => _secret.Length == 0;

    /// <summary>
    /// The raw secret: the AES key, and (for a session key) what AUTH_SIGNATURE's HMAC-SHA256 is keyed
    /// with. Never log it.
    /// </summary>
    public ReadOnlySpan<byte> Secret => _secret;

    /// <summary>Wraps an AES-128 secret.</summary>
    /// <exception cref="ArgumentException">The secret is not 16 bytes.</exception>
    public static CryptoKey FromAesSecret(ReadOnlySpan<byte> secret, UTime created)
    {
        if (secret.Length != AesKeyLength)
        {
            throw new ArgumentException($"an AES key is {AesKeyLength} bytes, not {secret.Length}", nameof(secret));
        }

        return new CryptoKey(CryptoKeyType.Aes, created, secret.ToArray());
    }

    /// <summary>A fresh random AES-128 key, as Ceph's <c>KeyServer::generate_secret</c> makes one.</summary>
    public static CryptoKey Generate(UTime created)
    {
        byte[] secret = new byte[AesKeyLength];
        RandomNumberGenerator.Fill(secret);
        return new CryptoKey(CryptoKeyType.Aes, created, secret);
    }

    /// <summary>
    /// Parses the base64 form found in a keyring (<c>key = AQ…==</c>) and printed by
    /// <c>ceph-authtool --gen-print-key</c>: le16 type, utime created, le16 length, the secret. Bytes
    /// after the secret are ignored, as Ceph ignores them.
    /// </summary>
    /// <exception cref="FormatException">Why it is not a key we can use; the message never holds key bytes.</exception>
    public static CryptoKey FromBase64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException("is not base64");
        }

        const int header = 2 + UTime.EncodedSize + 2;
        if (raw.Length < header)
        {
            throw new FormatException($"{raw.Length} bytes is too short for a key ({header}-byte header)");
        }

        var reader = new DencReader(raw);
        ushort type = reader.ReadU16();
        UTime created = UTime.Decode(ref reader);
        int length = reader.ReadU16();
        if (length > reader.Remaining)
        {
            throw new FormatException($"says its secret has {length} bytes but only {reader.Remaining} follow");
        }

        ReadOnlySpan<byte> secret = reader.ReadBytes(length);
        return type switch
        {
            CryptoKeyType.Aes when length < AesKeyLength => throw new FormatException($"an AES key of {length} bytes is too short (at least {AesKeyLength})"),
            CryptoKeyType.Aes when length > AesKeyLength => throw new FormatException($"an AES key of {length} bytes is longer than the {AesKeyLength} Ceph uses"),
            CryptoKeyType.Aes => new CryptoKey(type, created, secret.ToArray()),
            CryptoKeyType.None => length == 0 && created == default ? Empty : new CryptoKey(type, created, secret.ToArray()),
            _ => throw new FormatException($"key type {type} is not supported (1 is AES)"),
        };
    }

    /// <summary>The keyring's base64 form.</summary>
    public string ToBase64()
    {
        using var writer = new DencWriter(EncodedAesSize);
        Encode(writer);
        return Convert.ToBase64String(writer.WrittenSpan);
    }

    /// <summary>Writes <c>u16 type, utime created, u16 len, secret</c>.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU16(Type);
        Created.Encode(writer);
        writer.WriteU16((ushort)_secret.Length);
        writer.WriteBytes(_secret);
    }

    /// <summary>
    /// Reads a key. Like Ceph, an AES key must be exactly 16 bytes and an unknown type is refused;
    /// an empty secret is accepted whatever the type (it is the unset key).
    /// </summary>
    public static CryptoKey Decode(ref DencReader reader)
    {
        ushort type = reader.ReadU16();
        UTime created = UTime.Decode(ref reader);
        ushort length = reader.ReadU16();
        ReadOnlySpan<byte> secret = reader.ReadBytes(length);
        if (length == 0)
        {
            return type == CryptoKeyType.None && created == default ? Empty : new CryptoKey(type, created, []);
        }

        return type switch
        {
            CryptoKeyType.Aes when length == AesKeyLength => new CryptoKey(type, created, secret.ToArray()),
            CryptoKeyType.Aes => throw new DecodeException($"an AES key is {AesKeyLength} bytes, not {length}"),
            _ => throw new DecodeException($"crypto key type {type} is not supported"),
        };
    }

    /// <summary>AES-128-CBC encrypts <paramref name="plaintext"/> with the fixed IV, PKCS#7 padded (Ceph's <c>CryptoKey::encrypt</c>).</summary>
    /// <exception cref="InvalidOperationException">The key is not an AES key.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        using Aes aes = CreateAes();
        return aes.EncryptCbc(plaintext, CephxCrypto.Iv, PaddingMode.PKCS7);
    }

    /// <summary>Decrypts what <see cref="Encrypt"/> produced.</summary>
    /// <exception cref="DecodeException">The ciphertext is not whole blocks or its padding is wrong (which is what a wrong key gives).</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length == 0 || ciphertext.Length % 16 != 0)
        {
            throw new DecodeException($"cephx ciphertext of {ciphertext.Length} bytes is not a whole number of AES blocks");
        }

        using Aes aes = CreateAes();
        try
        {
            return aes.DecryptCbc(ciphertext, CephxCrypto.Iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            throw new DecodeException("cephx decryption failed: bad padding (wrong key or corrupted data)");
        }
    }

    private Aes CreateAes()
    {
        if (Type != CryptoKeyType.Aes || _secret.Length != AesKeyLength)
        {
            throw new InvalidOperationException($"a crypto key of type {Type} with {_secret.Length} secret bytes cannot encrypt");
        }

        Aes aes = Aes.Create();
        aes.Key = _secret;
        return aes;
    }

    /// <inheritdoc />
    public bool Equals(CryptoKey? other) =>
        other is not null && Type == other.Type && Created == other.Created && CryptographicOperations.FixedTimeEquals(_secret, other._secret);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CryptoKey);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Created, _secret.Length);

    /// <summary>Describes the key without its secret.</summary>
    public override string ToString() => $"CryptoKey(type {Type}, created {Created}, {_secret.Length} secret bytes)";
}
