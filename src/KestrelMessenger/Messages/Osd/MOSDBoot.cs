using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// <c>MOSDBoot</c> (MSG_OSD_BOOT, v7 / compat 7): an OSD asks the monitors to mark it up. Its public
/// address is not in here: the monitor takes it from the connection's CLIENT_IDENT.
/// </summary>
public sealed class MOSDBoot : Message
{
    private const ushort HeadVersion = 7;
    private const ushort HeadCompat = 7;

    /// <summary>Creates an empty boot message.</summary>
    public MOSDBoot() : base(MessageTypes.OsdBoot, HeadVersion, HeadCompat)
    {
    }

    /// <summary>Paxos header; its version is the OSD's current map epoch.</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>Who the OSD is.</summary>
    public OsdSuperblock Superblock { get; set; } = new();

    /// <summary>Back (cluster-side) heartbeat addresses.</summary>
    public EntityAddrVec HeartbeatBackAddrs { get; set; } = EntityAddrVec.Empty;

    /// <summary>Cluster (replication) addresses.</summary>
    public EntityAddrVec ClusterAddrs { get; set; } = EntityAddrVec.Empty;

    /// <summary>The last epoch the OSD was up in (0 on first boot).</summary>
    public uint BootEpoch { get; set; }

    /// <summary>Front (public-side) heartbeat addresses.</summary>
    public EntityAddrVec HeartbeatFrontAddrs { get; set; } = EntityAddrVec.Empty;

    /// <summary>What `ceph osd metadata` shows.</summary>
    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The OSD's CEPH_FEATURE_* mask.</summary>
    public ulong OsdFeatures { get; set; } = CephFeatures.All;

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Version = HeadVersion;
        CompatVersion = HeadCompat;
        Paxos.Encode(front);
        Superblock.Encode(front);
        HeartbeatBackAddrs.Encode(front);
        ClusterAddrs.Encode(front);
        front.WriteU32(BootEpoch);
        HeartbeatFrontAddrs.Encode(front);
        front.WriteU32((uint)Metadata.Count);
        foreach ((string key, string value) in Metadata)
        {
            front.WriteString(key);
            front.WriteString(value);
        }

        front.WriteU64(OsdFeatures);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < 6)
        {
            throw new DecodeException($"osd_boot v{Version} is older than the v6 this decoder understands");
        }

        Paxos = PaxosServiceHeader.Decode(ref front);
        Superblock = OsdSuperblock.Decode(ref front);
        HeartbeatBackAddrs = EntityAddrVec.Decode(ref front);
        ClusterAddrs = EntityAddrVec.Decode(ref front);
        BootEpoch = front.ReadU32();
        HeartbeatFrontAddrs = EntityAddrVec.Decode(ref front);
        int n = front.ReadCount(8);
        for (int i = 0; i < n; i++)
        {
            Metadata[front.ReadString()] = front.ReadString();
        }

        OsdFeatures = front.ReadU64();
    }
}
