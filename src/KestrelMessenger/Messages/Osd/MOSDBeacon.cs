using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// <c>MOSDBeacon</c> (MSG_OSD_BEACON, v3 / compat 1): "still alive", sent to the monitors periodically
/// so an OSD is not marked down after <c>mon_osd_report_timeout</c>.
/// </summary>
public sealed class MOSDBeacon : Message
{
    private const ushort HeadVersion = 3;
    private const ushort HeadCompat = 1;

    /// <summary>Creates an empty beacon.</summary>
    public MOSDBeacon() : base(MessageTypes.OsdBeacon, HeadVersion, HeadCompat)
    {
    }

    /// <summary>Paxos header; its version is the OSD's map epoch (the mon keeps maps from there on).</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>PGs this OSD is primary for.</summary>
    public List<PgId> Pgs { get; } = [];

    /// <summary>min_last_epoch_clean.</summary>
    public uint MinLastEpochClean { get; set; }

    /// <summary>Time of the last purged-snaps scrub.</summary>
    public UTime LastPurgedSnapsScrub { get; set; }

    /// <summary><c>osd_beacon_report_interval</c> in seconds (the mon waits at least twice this).</summary>
    public uint ReportInterval { get; set; } = 300;

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Version = HeadVersion;
        CompatVersion = HeadCompat;
        Paxos.Encode(front);
        front.WriteU32((uint)Pgs.Count);
        foreach (PgId pg in Pgs)
        {
            pg.Encode(front);
        }

        front.WriteU32(MinLastEpochClean);
        LastPurgedSnapsScrub.Encode(front);
        front.WriteU32(ReportInterval);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Paxos = PaxosServiceHeader.Decode(ref front);
        int n = front.ReadCount(PgId.EncodedSize);
        for (int i = 0; i < n; i++)
        {
            Pgs.Add(PgId.Decode(ref front));
        }

        MinLastEpochClean = front.ReadU32();
        if (Version >= 2)
        {
            LastPurgedSnapsScrub = UTime.Decode(ref front);
        }

        if (Version >= 3)
        {
            ReportInterval = front.ReadU32();
        }
    }
}
