using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>One of CompatSet's three feature sets: a mask and the named features behind it.</summary>
public sealed class FeatureSet
{
    /// <summary>Bit mask of the features.</summary>
    public ulong Mask { get; set; }

    /// <summary>Feature id → name.</summary>
    public SortedDictionary<ulong, string> Names { get; } = [];

    internal void Encode(DencWriter w)
    {
        w.WriteU64(Mask);
        w.WriteU32((uint)Names.Count);
        foreach ((ulong id, string name) in Names)
        {
            w.WriteU64(id);
            w.WriteString(name);
        }
    }

    internal static FeatureSet Decode(ref DencReader r)
    {
        var set = new FeatureSet { Mask = r.ReadU64() };
        int n = r.ReadCount(8 + 4);
        for (int i = 0; i < n; i++)
        {
            set.Names[r.ReadU64()] = r.ReadString();
        }

        return set;
    }
}

/// <summary>
/// Ceph's <c>OSDSuperblock</c> (ENCODE_START(10, 5), Pacific 16.2.14+): who the OSD is and what
/// maps it holds. MOSDBoot carries it; a monitor checks the cluster fsid and the OSD uuid in it.
/// </summary>
public sealed class OsdSuperblock
{
    /// <summary>The cluster's fsid (must match the monmap's).</summary>
    public Guid ClusterFsid { get; set; }

    /// <summary>The OSD id.</summary>
    public int WhoAmI { get; set; }

    /// <summary>Newest map the OSD has applied.</summary>
    public uint CurrentEpoch { get; set; }

    /// <summary>Oldest map stored.</summary>
    public uint OldestMap { get; set; }

    /// <summary>Newest map stored.</summary>
    public uint NewestMap { get; set; }

    /// <summary>Unused weight (a double on the wire).</summary>
    public double Weight { get; set; }

    /// <summary>CompatSet: compat features.</summary>
    public FeatureSet Compat { get; set; } = new();

    /// <summary>CompatSet: read-only compat features.</summary>
    public FeatureSet RoCompat { get; set; } = new();

    /// <summary>CompatSet: incompat features.</summary>
    public FeatureSet Incompat { get; set; } = new();

    /// <summary>clean_thru epoch.</summary>
    public uint CleanThru { get; set; }

    /// <summary>Epoch the OSD last mounted at.</summary>
    public uint Mounted { get; set; }

    /// <summary>This OSD's uuid (the one given to <c>ceph osd new</c>).</summary>
    public Guid OsdFsid { get; set; }

    /// <summary>Always 0 in Pacific.</summary>
    public uint LastEpochMarkedFull { get; set; }

    /// <summary>Pool id → epoch marked full.</summary>
    public SortedDictionary<long, uint> PoolLastEpochMarkedFull { get; } = [];

    /// <summary>purged_snaps_last epoch.</summary>
    public uint PurgedSnapsLast { get; set; }

    /// <summary>Time of the last purged-snaps scrub.</summary>
    public UTime LastPurgedSnapsScrub { get; set; }

    /// <summary>The cluster's osdmap trim lower bound (v10).</summary>
    public uint ClusterOsdmapTrimLowerBound { get; set; }

    /// <summary>Writes ENCODE_START(10, 5) and the body.</summary>
    public void Encode(DencWriter w)
    {
        StructToken t = w.BeginStruct(10, 5);
        w.WriteUuid(ClusterFsid);
        w.WriteI32(WhoAmI);
        w.WriteU32(CurrentEpoch);
        w.WriteU32(OldestMap);
        w.WriteU32(NewestMap);
        w.WriteU64(BitConverter.DoubleToUInt64Bits(Weight));
        Compat.Encode(w);
        RoCompat.Encode(w);
        Incompat.Encode(w);
        w.WriteU32(CleanThru);
        w.WriteU32(Mounted);
        w.WriteUuid(OsdFsid);
        w.WriteU32(LastEpochMarkedFull);
        w.WriteU32((uint)PoolLastEpochMarkedFull.Count);
        foreach ((long pool, uint epoch) in PoolLastEpochMarkedFull)
        {
            w.WriteI64(pool);
            w.WriteU32(epoch);
        }

        w.WriteU32(PurgedSnapsLast);
        LastPurgedSnapsScrub.Encode(w);
        w.WriteU32(ClusterOsdmapTrimLowerBound);
        w.EndStruct(t);
    }

    /// <summary>Reads v9 or v10 (fields a newer sender appends are skipped).</summary>
    public static OsdSuperblock Decode(ref DencReader r)
    {
        StructHeader h = r.BeginStruct(maxCompat: 10, "OSDSuperblock");
        if (h.Version < 9)
        {
            throw new DecodeException($"OSDSuperblock v{h.Version} predates Nautilus and is not supported");
        }

        var sb = new OsdSuperblock
        {
            ClusterFsid = r.ReadUuid(),
            WhoAmI = r.ReadI32(),
            CurrentEpoch = r.ReadU32(),
            OldestMap = r.ReadU32(),
            NewestMap = r.ReadU32(),
            Weight = BitConverter.UInt64BitsToDouble(r.ReadU64()),
            Compat = FeatureSet.Decode(ref r),
            RoCompat = FeatureSet.Decode(ref r),
            Incompat = FeatureSet.Decode(ref r),
            CleanThru = r.ReadU32(),
            Mounted = r.ReadU32(),
            OsdFsid = r.ReadUuid(),
            LastEpochMarkedFull = r.ReadU32(),
        };
        int pools = r.ReadCount(8 + 4);
        for (int i = 0; i < pools; i++)
        {
            sb.PoolLastEpochMarkedFull[r.ReadI64()] = r.ReadU32();
        }

        sb.PurgedSnapsLast = r.ReadU32();
        sb.LastPurgedSnapsScrub = UTime.Decode(ref r);
        if (h.Version >= 10)
        {
            sb.ClusterOsdmapTrimLowerBound = r.ReadU32();
        }

        r.EndStruct(h);
        return sb;
    }
}
