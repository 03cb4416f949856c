using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>A cephx structure that can be written in Ceph's encoding.</summary>
public interface ICephxEncodable
{
    /// <summary>Writes the structure.</summary>
    void Encode(DencWriter writer);
}

/// <summary>A cephx structure that can be read back from Ceph's encoding.</summary>
/// <typeparam name="TSelf">The structure.</typeparam>
public interface ICephxDecodable<TSelf>
    where TSelf : ICephxDecodable<TSelf>
{
    /// <summary>Reads the structure.</summary>
    static abstract TSelf Decode(ref DencReader reader);
}

/// <summary>
/// A <c>bufferlist</c> or <c>std::string</c> (u32 length + bytes) as the body of an encrypted
/// envelope: the connection secret and an encrypted ticket blob are sent this way.
/// </summary>
/// <param name="Value">The bytes.</param>
public readonly record struct CephxBytes(ReadOnlyMemory<byte> Value) : ICephxEncodable, ICephxDecodable<CephxBytes>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteBlob(Value.Span);

    /// <inheritdoc />
    public static CephxBytes Decode(ref DencReader reader) => new(reader.ReadBlob().ToArray());
}

/// <summary>
/// cephx's encrypted envelope. <c>encode_encrypt_enc_bl</c> encrypts
/// <c>u8 struct_v = 1, u64 AUTH_ENC_MAGIC, encode(x)</c> with AES-128-CBC under the fixed IV
/// "cephsageyudagreg" (PKCS#7 padded); <c>encode_encrypt</c> then wraps that ciphertext as a
/// bufferlist (u32 length + bytes). The decrypting side checks the magic, which is how a wrong key
/// that happens to give valid padding is still caught.
/// </summary>
public static class CephxCrypto
{
    /// <summary><c>AUTH_ENC_MAGIC</c>.</summary>
    public const ulong AuthEncMagic = 0xff009cad8826aa55UL;

    /// <summary>The envelope's struct_v.</summary>
    public const byte EnvelopeVersion = 1;

    /// <summary>The most ciphertext one envelope may hold (far above any real cephx structure; bounds a hostile length).</summary>
    public const int MaxEnvelopeBytes = 1 << 20;

    private static readonly byte[] IvBytes = Encoding.ASCII.GetBytes("cephsageyudagreg");

    /// <summary><c>CEPH_AES_IV</c>: the fixed 16-byte IV of every cephx AES-CBC operation.</summary>
    public static ReadOnlySpan<byte> Iv => IvBytes;

    /// <summary><c>encode_encrypt_enc_bl</c>: the raw ciphertext of the envelope around <paramref name="value"/>.</summary>
    public static byte[] EncryptEnvelope<T>(T value, CryptoKey key)
        where T : ICephxEncodable
    {
        ArgumentNullException.ThrowIfNull(key);
        using var plain = new DencWriter(128);
        plain.WriteU8(EnvelopeVersion);
        plain.WriteU64(AuthEncMagic);
        value.Encode(plain);
        return key.Encrypt(plain.WrittenSpan);
    }

    /// <summary><c>encode_encrypt</c>: writes the envelope around <paramref name="value"/> as a bufferlist.</summary>
    public static void WriteEncrypted<T>(DencWriter writer, T value, CryptoKey key)
        where T : ICephxEncodable
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBlob(EncryptEnvelope(value, key));
    }

    /// <summary><c>decode_decrypt_enc_bl</c>: decrypts raw envelope ciphertext and decodes its body.</summary>
    /// <exception cref="DecodeException">Bad length, bad padding, bad magic or a body that does not decode.</exception>
    public static T DecryptEnvelope<T>(ReadOnlySpan<byte> ciphertext, CryptoKey key)
        where T : ICephxDecodable<T>
    {
        ArgumentNullException.ThrowIfNull(key);
        if (ciphertext.Length > MaxEnvelopeBytes)
        {
            throw new DecodeException($"cephx envelope of {ciphertext.Length} bytes exceeds the {MaxEnvelopeBytes}-byte bound");
        }

        if (key.Type != CryptoKeyType.Aes || key.IsEmpty)
        {
            throw new DecodeException("cephx envelope cannot be decrypted: the key is not an AES key");
        }

        byte[] plain = key.Decrypt(ciphertext);
        var reader = new DencReader(plain);
        reader.ReadU8(); // struct_v: Ceph ignores it
        ulong magic = reader.ReadU64();
        if (magic != AuthEncMagic)
        {
            throw new DecodeException($"cephx envelope has bad magic 0x{magic:x16} (wrong key or corrupted data)");
        }

        return T.Decode(ref reader);
    }

    /// <summary><c>decode_decrypt</c>: reads a bufferlist and decrypts it as an envelope.</summary>
    /// <exception cref="DecodeException">As <see cref="DecryptEnvelope{T}"/>, or a truncated bufferlist.</exception>
    public static T ReadEncrypted<T>(ref DencReader reader, CryptoKey key)
        where T : ICephxDecodable<T> => DecryptEnvelope<T>(reader.ReadBlob(), key);

    /// <summary>
    /// <c>cephx_calc_client_server_challenge</c>: the proof that the client holds its secret. The
    /// <see cref="CephXChallengeBlob"/> is encrypted as a bufferlist (u32 length + ciphertext, so the
    /// length prefix is part of the input), and the result is the XOR of its consecutive le64 words;
    /// a trailing partial word is ignored.
    /// </summary>
    public static ulong ChallengeKey(CryptoKey secret, ulong serverChallenge, ulong clientChallenge)
    {
        using var writer = new DencWriter(64);
        WriteEncrypted(writer, new CephXChallengeBlob(serverChallenge, clientChallenge), secret);
        ReadOnlySpan<byte> bytes = writer.WrittenSpan;
        ulong key = 0;
        for (int pos = 0; pos + 8 <= bytes.Length; pos += 8)
        {
            key ^= System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(pos, 8));
        }

        return key;
    }
}
