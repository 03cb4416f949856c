using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>What an <see cref="MOSDFailure"/> reports (Ceph's <c>MOSDFailure::FLAG_*</c>).</summary>
[Flags]
public enum OsdFailureFlags : byte
{
    /// <summary>FLAG_ALIVE: alone, "the peer I reported answers again" (the report is cancelled).</summary>
    Alive = 0,
    /// <summary>FLAG_FAILED: the peer has missed heartbeats past the grace.</summary>
    Failed = 1,
    /// <summary>FLAG_IMMEDIATE: a known failure (connection refused), not a timeout: mark it down at once.</summary>
    Immediate = 2,
}

/// <summary>
/// <c>MOSDFailure</c> (MSG_OSD_FAILURE, v4 / compat 4, the Nautilus-and-later form): an OSD tells the
/// monitors that a heartbeat peer has failed, or that a failure it reported is over. The monitor
/// marks the target down once enough reporters (<c>mon_osd_min_down_reporters</c>) from distinct
/// subtrees agree it has been silent for the heartbeat grace.
/// </summary>
public sealed class MOSDFailure : Message
{
    private const ushort HeadVersion = 4;
    private const ushort HeadCompat = 4;

    /// <summary>Creates an empty report.</summary>
    public MOSDFailure() : base(MessageTypes.OsdFailure, HeadVersion, HeadCompat)
    {
    }

    /// <summary>Paxos header; its version is the reporter's osdmap epoch.</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>The cluster fsid (the monitor ignores reports for another cluster).</summary>
    public Guid Fsid { get; set; }

    /// <summary>The OSD reported on.</summary>
    public int TargetOsd { get; set; }

    /// <summary>The target's public addresses as the reporter's osdmap has them (the monitor ignores a mismatch).</summary>
    public EntityAddrVec TargetAddrs { get; set; } = EntityAddrVec.Empty;

    /// <summary>The reporter's osdmap epoch (a report older than the target's up_from is ignored).</summary>
    public uint Epoch { get; set; }

    /// <summary>Failed, or alive again; optionally immediate.</summary>
    public OsdFailureFlags Flags { get; set; } = OsdFailureFlags.Failed;

    /// <summary>Whole seconds the target has been silent (the monitor dates the failure from its receipt minus this).</summary>
    public int FailedFor { get; set; }

    /// <summary>True for a failure report, false for a cancellation.</summary>
    public bool IsFailed => (Flags & OsdFailureFlags.Failed) != 0;

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Version = HeadVersion;
        CompatVersion = HeadCompat;
        Paxos.Encode(front);
        front.WriteUuid(Fsid);
        front.WriteI32(TargetOsd);
        TargetAddrs.Encode(front);
        front.WriteU32(Epoch);
        front.WriteU8((byte)Flags);
        front.WriteI32(FailedFor);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < HeadCompat)
        {
            // v3 and older carry an entity_inst_t (pre-Nautilus peers), which nothing we talk to sends.
            throw new DecodeException($"osd_failure v{Version} (pre-Nautilus, entity_inst_t target) is not supported");
        }

        Paxos = PaxosServiceHeader.Decode(ref front);
        Fsid = front.ReadUuid();
        TargetOsd = front.ReadI32();
        TargetAddrs = EntityAddrVec.Decode(ref front);
        Epoch = front.ReadU32();
        Flags = (OsdFailureFlags)front.ReadU8();
        FailedFor = front.ReadI32();
    }
}
