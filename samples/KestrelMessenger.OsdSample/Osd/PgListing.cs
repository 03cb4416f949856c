using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// Ceph's <c>hobject_t</c>, as far as PG listing needs it: encoded as ENCODE_START(4, 3) key, oid,
/// snap, hash, max, nspace, pool; ordered bitwise (pool, bit-reversed hash, nspace, key, oid, snap).
/// </summary>
public readonly record struct HObject(long Pool, uint Hash, string Namespace, string Key, string Oid, ulong Snap, bool IsMax)
{
    /// <summary>CEPH_NOSNAP: the head object.</summary>
    public const ulong NoSnap = 0xFFFFFFFFFFFFFFFE;

    /// <summary>The minimum (a default-constructed hobject_t: pool INT64_MIN).</summary>
    public static HObject Min { get; } = new(long.MinValue, 0, "", "", "", 0, false);

    /// <summary>hobject_t::get_max().</summary>
    public static HObject Max { get; } = new(long.MinValue, 0, "", "", "", 0, true);

    /// <summary>The bitwise sort key of the hash.</summary>
    public uint ReversedHash => ReverseBits(Hash);

    /// <summary>Writes the v4 encoding.</summary>
    public void Encode(DencWriter w)
    {
        StructToken t = w.BeginStruct(4, 3);
        w.WriteString(Key);
        w.WriteString(Oid);
        w.WriteU64(Snap);
        w.WriteU32(Hash);
        w.WriteBool(IsMax);
        w.WriteString(Namespace);
        w.WriteI64(Pool);
        w.EndStruct(t);
    }

    /// <summary>Reads v4 (older encodings predate Nautilus clients).</summary>
    public static HObject Decode(ref DencReader r)
    {
        StructHeader h = r.BeginStruct(maxCompat: 4, "hobject_t");
        string key = r.ReadString();
        string oid = r.ReadString();
        ulong snap = r.ReadU64();
        uint hash = r.ReadU32();
        bool max = h.Version >= 2 && r.ReadBool();
        string ns = h.Version >= 4 ? r.ReadString() : "";
        long pool = h.Version >= 4 ? r.ReadI64() : long.MinValue;
        r.EndStruct(h);
        return new HObject(pool, hash, ns, key, oid, snap, max);
    }

    /// <summary>Bitwise hobject_t order: max last; then pool, reversed hash, namespace, key, oid, snap.</summary>
    public static int Compare(HObject a, HObject b)
    {
        if (a.IsMax || b.IsMax)
        {
            return a.IsMax.CompareTo(b.IsMax);
        }

        int c = a.Pool.CompareTo(b.Pool);
        if (c == 0) c = a.ReversedHash.CompareTo(b.ReversedHash);
        if (c == 0) c = string.CompareOrdinal(a.Namespace, b.Namespace);
        if (c == 0) c = string.CompareOrdinal(a.Key, b.Key);
        if (c == 0) c = string.CompareOrdinal(a.Oid, b.Oid);
        if (c == 0) c = a.Snap.CompareTo(b.Snap);
        return c;
    }

    internal static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555) | ((v & 0x55555555) << 1);
        v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
        v = ((v >> 4) & 0x0F0F0F0F) | ((v & 0x0F0F0F0F) << 4);
        v = ((v >> 8) & 0x00FF00FF) | ((v & 0x00FF00FF) << 8);
        return (v >> 16) | (v << 16);
    }
}

/// <summary>How Ceph places objects in PGs: the rjenkins string hash and stable_mod.</summary>
public static class Placement
{
    /// <summary><c>ceph_str_hash_rjenkins</c> (Bob Jenkins' lookup2) over the UTF-8 bytes.</summary>
    public static uint RjenkinsHash(ReadOnlySpan<byte> k)
    {
        uint a = 0x9e3779b9, b = a, c = 0;
        int length = k.Length;
        while (k.Length >= 12)
        {
            a += (uint)(k[0] | (k[1] << 8) | (k[2] << 16) | (k[3] << 24));
            b += (uint)(k[4] | (k[5] << 8) | (k[6] << 16) | (k[7] << 24));
            c += (uint)(k[8] | (k[9] << 8) | (k[10] << 16) | (k[11] << 24));
            Mix(ref a, ref b, ref c);
            k = k[12..];
        }

        c += (uint)length;
        // The tail bytes, highest first, as the fall-through switch adds them (c's low byte holds the length).
        if (k.Length > 10) c += (uint)k[10] << 24;
        if (k.Length > 9) c += (uint)k[9] << 16;
        if (k.Length > 8) c += (uint)k[8] << 8;
        if (k.Length > 7) b += (uint)k[7] << 24;
        if (k.Length > 6) b += (uint)k[6] << 16;
        if (k.Length > 5) b += (uint)k[5] << 8;
        if (k.Length > 4) b += k[4];
        if (k.Length > 3) a += (uint)k[3] << 24;
        if (k.Length > 2) a += (uint)k[2] << 16;
        if (k.Length > 1) a += (uint)k[1] << 8;
        if (k.Length > 0) a += k[0];
        Mix(ref a, ref b, ref c);
        return c;
    }

    /// <summary>The object's hash as Ceph computes it: of the key (or name), prefixed by the namespace and 0x1f when there is one.</summary>
    public static uint ObjectHash(string ns, string key, string name)
    {
        string what = key.Length > 0 ? key : name;
        string full = ns.Length > 0 ? ns + '\u001f' + what : what;
        return RjenkinsHash(System.Text.Encoding.UTF8.GetBytes(full));
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= b; a -= c; a ^= c >> 13;
        b -= c; b -= a; b ^= a << 8;
        c -= a; c -= b; c ^= b >> 13;
        a -= b; a -= c; a ^= c >> 12;
        b -= c; b -= a; b ^= a << 16;
        c -= a; c -= b; c ^= b >> 5;
        a -= b; a -= c; a ^= c >> 3;
        b -= c; b -= a; b ^= a << 10;
        c -= a; c -= b; c ^= b >> 15;
    }

    /// <summary><c>ceph_stable_mod</c>.</summary>
    public static uint StableMod(uint x, uint b, uint bmask) => (x & bmask) < b ? x & bmask : x & (bmask >> 1);

    /// <summary>The PG seed of a hash in a pool of <paramref name="pgNum"/> PGs.</summary>
    public static uint PgOf(uint hash, uint pgNum) => StableMod(hash, pgNum, PgNumMask(pgNum));

    /// <summary>(1 &lt;&lt; cbits(pg_num - 1)) - 1.</summary>
    public static uint PgNumMask(uint pgNum) => pgNum <= 1 ? 0 : (uint)((1UL << (32 - System.Numerics.BitOperations.LeadingZeroCount(pgNum - 1))) - 1);

    /// <summary><c>pg_t::get_hobj_end</c>: where the next PG starts in bitwise order (max after the last).</summary>
    public static HObject PgEnd(long pool, uint seed, uint pgNum)
    {
        int bits = pgNum <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount(pgNum - 1);
        ulong revStart = HObject.ReverseBits(seed);
        ulong revEnd = (revStart | (0xffffffffUL >> bits)) + 1;
        return revEnd >= 0x100000000UL
            ? HObject.Max
            : new HObject(pool, HObject.ReverseBits((uint)revEnd), "", "", "", HObject.NoSnap, false);
    }
}

