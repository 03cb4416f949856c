using System.Globalization;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// <c>MOSDOp</c> (CEPH_MSG_OSD_OP, v8 / compat 3, Luminous through Pacific): a client's request to
/// run <see cref="Ops"/> on one object. Front: spg_t, object hash, map epoch, flags, reqid, blkin trace,
/// client_inc, mtime, object locator, object name, le16 op count and the 38-byte ops, snap id,
/// snap_seq, snaps, retry_attempt, features. Each op's in-data is its payload_len bytes of the data
/// segment, in op order.
/// </summary>
public sealed class MOSDOp : Message
{
    /// <summary>The header version this class encodes.</summary>
    public const ushort HeadVersion = 8;

    /// <summary>The oldest version able to decode it.</summary>
    public const ushort HeadCompat = 3;

    /// <summary><c>CEPH_NOSNAP</c>: the object's head, not a snapshot.</summary>
    public const ulong NoSnap = 0xffff_ffff_ffff_fffe;

    /// <summary>
    /// The header priority librados gives client ops (<c>osd_client_op_priority</c>, 63), which the
    /// golden frames carry; an OSD's op queue orders by it.
    /// </summary>
    public const ushort ClientOpPriority = 63;

    /// <summary>Creates an empty request (for decoding, or to fill in).</summary>
    public MOSDOp() : base(MessageTypes.OsdOp, HeadVersion, HeadCompat)
    {
        Priority = ClientOpPriority;
    }

    /// <summary>The PG the client mapped the object to (after <c>stable_mod</c>), as spg_t's pg.</summary>
    public PgId Pgid { get; set; }

    /// <summary>spg_t's shard: -1 (<c>NO_SHARD</c>) except in erasure-coded pools.</summary>
    public sbyte Shard { get; set; } = -1;

    /// <summary>The object's raw 32-bit placement hash (rjenkins of the name, or of the key).</summary>
    public uint Hash { get; set; }

    /// <summary>The client's OSDMap epoch (<c>osdmap_epoch</c>).</summary>
    public uint MapEpoch { get; set; }

    /// <summary>Request flags (<see cref="OsdFlags"/>), e.g. ONDISK|WRITE|KNOWN_REDIR for a write.</summary>
    public uint Flags { get; set; }

    /// <summary>The request id as sent; librados sends it all zero (see <see cref="EffectiveReqId"/>).</summary>
    public OsdReqId ReqId { get; set; }

    /// <summary>blkin trace ids (zero when tracing is off).</summary>
    public BlkinTrace Trace { get; set; }

    /// <summary>The client's incarnation (<c>client_inc</c>).</summary>
    public uint ClientInc { get; set; }

    /// <summary>Modification time the client stamps on writes; zero on reads.</summary>
    public UTime Mtime { get; set; }

    /// <summary>The object locator: pool, key, namespace, explicit hash.</summary>
    public ObjectLocator Locator { get; set; } = new(0);

    /// <summary>The object's pool (the locator's pool).</summary>
    public long Pool
    {
        get => Locator.Pool;
        set => Locator = Locator with { Pool = value };
    }

    /// <summary>The object's RADOS namespace; empty for the default.</summary>
    public string Namespace
    {
        get => Locator.Namespace ?? "";
        set => Locator = Locator with { Namespace = value };
    }

    /// <summary>The object's locator key; empty for none.</summary>
    public string Key
    {
        get => Locator.Key ?? "";
        set => Locator = Locator with { Key = value };
    }

    /// <summary>The object name (<c>object_t</c>).</summary>
    public string ObjectName { get; set; } = "";

    /// <summary>The ops, run in order as one transaction.</summary>
    public List<OsdOp> Ops { get; set; } = [];

    /// <summary>The snapshot read from; <see cref="NoSnap"/> for the head.</summary>
    public ulong SnapId { get; set; } = NoSnap;

    /// <summary>The snap context's seq (writes).</summary>
    public ulong SnapSeq { get; set; }

    /// <summary>The snap context's snapshots, newest first (writes).</summary>
    public List<ulong> Snaps { get; set; } = [];

    /// <summary>Which resend this is (0 first); the reply must echo it or the client ignores the reply.</summary>
    public int RetryAttempt { get; set; }

    /// <summary>The client's feature bits.</summary>
    public ulong Features { get; set; }

    /// <summary>
    /// The request id an OSD should use: <see cref="ReqId"/> when the client filled it in, otherwise the
    /// sender's name with the header tid (what librados expects; valid on received messages).
    /// </summary>
    public OsdReqId EffectiveReqId => ReqId.IsEmpty ? new OsdReqId(Source, Tid, ReqId.Inc) : ReqId;

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    /// <remarks>Only the v8 layout is written, whatever version this was decoded at.</remarks>
    protected override (ushort Version, ushort CompatVersion) EncodingVersion => (HeadVersion, HeadCompat);

    /// <inheritdoc />
    /// <remarks>The ops' in-data in op order.</remarks>
    protected override MessageBuffer EncodeData() => OsdOp.GatherData(Ops, Data, outData: false);

    /// <inheritdoc />
    /// <remarks>Out-data an OSD handed to the ops by reference and no reply took over.</remarks>
    protected override void ReleaseBuffers()
    {
        foreach (OsdOp op in Ops)
        {
            op.TakeOutBuffer()?.Dispose();
        }
    }

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        if (Ops.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"osd_op carries at most {ushort.MaxValue} ops, not {Ops.Count}");
        }

        StructToken spg = front.BeginStruct(1, 1);
        Pgid.Encode(front);
        front.WriteU8((byte)Shard);
        front.EndStruct(spg);
        front.WriteU32(Hash);
        front.WriteU32(MapEpoch);
        front.WriteU32(Flags);
        ReqId.Encode(front);
        Trace.Encode(front);
        front.WriteU32(ClientInc);
        Mtime.Encode(front);
        Locator.Encode(front);
        front.WriteString(ObjectName);
        front.WriteU16((ushort)Ops.Count);
        foreach (OsdOp op in Ops)
        {
            op.Encode(front, outData: false);
        }

        front.WriteU64(SnapId);
        front.WriteU64(SnapSeq);
        front.WriteU32((uint)Snaps.Count);
        foreach (ulong snap in Snaps)
        {
            front.WriteU64(snap);
        }

        front.WriteI32(RetryAttempt);
        front.WriteU64(Features);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < HeadVersion)
        {
            // v7 and older put the raw pg first and carry a reassert version; no Pacific client sends them.
            throw new DecodeException($"osd_op v{Version}: only the v{HeadVersion} layout (Luminous and later) is decoded");
        }

        StructHeader spg = front.BeginStruct(1, "spg_t");
        Pgid = PgId.Decode(ref front);
        Shard = (sbyte)front.ReadU8();
        front.EndStruct(spg);
        Hash = front.ReadU32();
        MapEpoch = front.ReadU32();
        Flags = front.ReadU32();
        ReqId = OsdReqId.Decode(ref front);
        Trace = BlkinTrace.Decode(ref front);
        ClientInc = front.ReadU32();
        Mtime = UTime.Decode(ref front);
        Locator = ObjectLocator.Decode(ref front);
        ObjectName = front.ReadString();

        int count = front.ReadU16();
        if (count > front.Remaining / OsdOp.EncodedSize)
        {
            throw new DecodeException($"osd_op claims {count} ops but only {front.Remaining} bytes remain");
        }

        var ops = new List<OsdOp>(count);
        for (int i = 0; i < count; i++)
        {
            ops.Add(OsdOp.Decode(ref front));
        }

        SnapId = front.ReadU64();
        SnapSeq = front.ReadU64();
        int snapCount = front.ReadCount(sizeof(ulong));
        var snaps = new List<ulong>(snapCount);
        for (int i = 0; i < snapCount; i++)
        {
            snaps.Add(front.ReadU64());
        }

        RetryAttempt = front.ReadI32();
        Features = front.ReadU64();
        OsdOp.SliceData(ops, Data.Sequence, outData: false);
        Ops = ops;
        Snaps = snaps;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"osd_op(tid {Tid} {Pgid} {ObjectName} [{string.Join(", ", Ops)}] flags 0x{Flags:x} e{MapEpoch}{(RetryAttempt > 0 ? $" RETRY={RetryAttempt}" : "")})");
}
