using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary><c>ExpiringCryptoKey</c> (u8 v=1, CryptoKey key, utime expiration): one rotating service secret.</summary>
/// <param name="Key">The secret.</param>
/// <param name="Expiration">When the monitor stops issuing tickets under it.</param>
public sealed record ExpiringCryptoKey(CryptoKey Key, UTime Expiration) : ICephxEncodable, ICephxDecodable<ExpiringCryptoKey>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        Key.Encode(writer);
        Expiration.Encode(writer);
    }

    /// <inheritdoc />
    public static ExpiringCryptoKey Decode(ref DencReader reader)
    {
        reader.ReadU8();
        CryptoKey key = CryptoKey.Decode(ref reader);
        return new ExpiringCryptoKey(key, UTime.Decode(ref reader));
    }
}

/// <summary>
/// <c>RotatingSecrets</c> (u8 v=1, map&lt;u64 secret_id, ExpiringCryptoKey&gt;, u64 max_ver): a service's
/// previous, current and next secrets, as the monitor sends them (encrypted with the daemon's own
/// key) in reply to GET_ROTATING_KEY.
/// </summary>
/// <param name="Secrets">Secrets by secret_id, ascending.</param>
/// <param name="MaxVersion">The highest secret_id issued.</param>
public sealed record RotatingSecrets(IReadOnlyList<KeyValuePair<ulong, ExpiringCryptoKey>> Secrets, ulong MaxVersion)
    : ICephxEncodable, ICephxDecodable<RotatingSecrets>
{
    /// <summary><c>KEY_ROTATE_NUM</c>: previous, current, next.</summary>
    public const int RotateCount = 3;

    // u64 id + v + empty key (12) + utime.
    private const int MinEntrySize = 8 + 1 + 12 + 8;

    /// <summary>
    /// <c>RotatingSecrets::need_new_secrets(now)</c>: fewer than three secrets, or the current (second
    /// oldest) one expires at or before <paramref name="now"/>.
    /// </summary>
    public bool NeedNewSecrets(UTime now)
    {
        if (Secrets.Count < RotateCount)
        {
            return true;
        }

        return Secrets[1].Value.Expiration.Ticks <= now.Ticks;
    }

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteU32((uint)Secrets.Count);
        foreach (KeyValuePair<ulong, ExpiringCryptoKey> entry in Secrets)
        {
            writer.WriteU64(entry.Key);
            entry.Value.Encode(writer);
        }

        writer.WriteU64(MaxVersion);
    }

    /// <inheritdoc />
    public static RotatingSecrets Decode(ref DencReader reader)
    {
        reader.ReadU8();
        int count = reader.ReadCount(MinEntrySize);
        var secrets = new SortedDictionary<ulong, ExpiringCryptoKey>();
        for (int i = 0; i < count; i++)
        {
            ulong id = reader.ReadU64();
            secrets[id] = ExpiringCryptoKey.Decode(ref reader);
        }

        ulong maxVersion = reader.ReadU64();
        return new RotatingSecrets([.. secrets], maxVersion);
    }
}
