using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>One monitor of the monmap: its name ("a" for mon.a), rank and public addresses.</summary>
/// <param name="Name">The monitor's name, without "mon.".</param>
/// <param name="Rank">Its rank (position in the monmap's rank order).</param>
/// <param name="Addrs">Its public addresses (v2 and/or v1).</param>
public sealed record MonInfo(string Name, int Rank, EntityAddrVec Addrs);

/// <summary>
/// Ceph's <c>MonMap</c>, as far as a client needs it: the cluster fsid, the epoch, and the monitors in
/// rank order. Decodes the Nautilus-and-later encoding (struct_v 6…9; Pacific writes 9): fsid, epoch,
/// last_changed, created, persistent and optional features, <c>mon_info</c> (name → mon_info_t) and
/// <c>ranks</c>; fields a newer monitor appends are skipped by struct length.
/// </summary>
public sealed class MonMap
{
    // A map entry is at least a 4-byte key length plus mon_info_t's 6-byte struct header.
    private const int MinMonInfo = 4 + 6;

    private MonMap(Guid fsid, uint epoch, IReadOnlyList<MonInfo> monitors)
    {
        Fsid = fsid;
        Epoch = epoch;
        Monitors = monitors;
    }

    /// <summary>The cluster fsid.</summary>
    public Guid Fsid { get; }

    /// <summary>The monmap epoch (0 for the initial map built from <c>mon_host</c>).</summary>
    public uint Epoch { get; }

    /// <summary>The monitors, in rank order.</summary>
    public IReadOnlyList<MonInfo> Monitors { get; }

    /// <summary>The monitor at <paramref name="addrs"/> (any address in common), or null.</summary>
    public MonInfo? Find(EntityAddrVec addrs) => Monitors.FirstOrDefault(m => m.Addrs.Any(a => addrs.Any(b => SameEndPoint(a, b))));

    /// <summary>A monmap built from <c>mon_host</c> (epoch 0, names noname-a, noname-b … as Ceph's build_initial names them).</summary>
    public static MonMap Initial(IReadOnlyList<EntityAddrVec> monitors) =>
        new(Guid.Empty, 0, [.. monitors.Select((addrs, i) => new MonInfo($"noname-{(char)('a' + Math.Min(i, 25))}", i, addrs))]);

    /// <summary>Decodes an encoded MonMap (MMonMap's bufferlist).</summary>
    public static MonMap Decode(ReadOnlySpan<byte> encoded)
    {
        var r = new DencReader(encoded);
        StructHeader map = r.BeginStruct(maxCompat: 9, "MonMap");
        if (map.Version < 6)
        {
            throw new DecodeException($"MonMap struct_v {map.Version} is the pre-Nautilus encoding, which is not supported");
        }

        Guid fsid = r.ReadUuid();
        uint epoch = r.ReadU32();
        r.Skip(8 + 8); // last_changed, created (utime_t each)
        r.EndStruct(r.BeginStruct(maxCompat: 1, "mon_feature_t")); // persistent_features
        r.EndStruct(r.BeginStruct(maxCompat: 1, "mon_feature_t")); // optional_features

        int count = r.ReadCount(MinMonInfo);
        var byName = new Dictionary<string, EntityAddrVec>(count, StringComparer.Ordinal);
        var order = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            r.ReadString(); // the map key, which is the name again
            StructHeader info = r.BeginStruct(maxCompat: 1, "mon_info_t");
            string name = r.ReadString();
            EntityAddrVec addrs = EntityAddrVec.Decode(ref r);
            r.EndStruct(info);
            byName[name] = addrs;
            order.Add(name);
        }

        if (map.Version >= 7)
        {
            int ranks = r.ReadCount(4);
            var ranked = new List<string>(ranks);
            for (int i = 0; i < ranks; i++)
            {
                ranked.Add(r.ReadString());
            }

            if (ranked.Count != byName.Count || ranked.Any(n => !byName.ContainsKey(n)))
            {
                throw new DecodeException($"MonMap ranks [{string.Join(",", ranked)}] do not name its {byName.Count} monitors");
            }

            order = ranked;
        }

        r.EndStruct(map);
        return new MonMap(fsid, epoch, [.. order.Select((name, rank) => new MonInfo(name, rank, byName[name]))]);
    }

    private static bool SameEndPoint(EntityAddr a, EntityAddr b) => a.Type == b.Type && Equals(a.EndPoint, b.EndPoint);
}
