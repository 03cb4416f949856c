using System.Globalization;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// <c>MOSDOpReply</c> (CEPH_MSG_OSD_OPREPLY, v8 / compat 2, Pacific): the OSD's answer to an
/// <see cref="MOSDOp"/>, matched by the header tid. Front: object name, pg_t, le64 flags, result,
/// bad_replay_version, map epoch, le32 op count and the 38-byte ops, retry_attempt, one le32 result per
/// op, replay_version, user_version, do_redirect (+ redirect), blkin trace. Each op's out-data is its
/// payload_len bytes of the data segment, in op order.
/// </summary>
public sealed class MOSDOpReply : Message
{
    /// <summary>The header version this class encodes.</summary>
    public const ushort HeadVersion = 8;

    /// <summary>The oldest version able to decode it.</summary>
    public const ushort HeadCompat = 2;

    private const ulong AckBits = OsdFlags.Ack | OsdFlags.OnNvram | OsdFlags.OnDisk;

    /// <summary>Creates an empty reply (for decoding, or to fill in).</summary>
    public MOSDOpReply() : base(MessageTypes.OsdOpReply, HeadVersion, HeadCompat)
    {
    }

    /// <summary>The object name, echoed from the request.</summary>
    public string ObjectName { get; set; } = "";

    /// <summary>The request's PG (its spg_t without the shard).</summary>
    public PgId Pgid { get; set; }

    /// <summary>The request's flags with the ack bits replaced by what this reply is (ACK|ONDISK from a real OSD).</summary>
    public ulong Flags { get; set; }

    /// <summary>0, or a negative errno (-ENOENT, …). -EAGAIN makes the client resend.</summary>
    public int Result { get; set; }

    /// <summary>The version pre-Firefly clients read (see <see cref="SetReplyVersions"/>).</summary>
    public EVersion BadReplayVersion { get; set; }

    /// <summary>The OSD's map epoch.</summary>
    public uint MapEpoch { get; set; }

    /// <summary>The request's ops, each with its <see cref="OsdOp.Rval"/> and <see cref="OsdOp.OutData"/>.</summary>
    public List<OsdOp> Ops { get; set; } = [];

    /// <summary>The request's retry_attempt, echoed; a client ignores replies to other attempts.</summary>
    public int RetryAttempt { get; set; } = -1;

    /// <summary>The PG log version of a write (zero for reads).</summary>
    public EVersion ReplayVersion { get; set; }

    /// <summary>The object's user-visible version.</summary>
    public ulong UserVersion { get; set; }

    /// <summary>Where to resend instead, or null (do_redirect = 0).</summary>
    public RequestRedirect? Redirect { get; set; }

    /// <summary>blkin trace ids (zero when tracing is off).</summary>
    public BlkinTrace Trace { get; set; }

    /// <summary>
    /// A reply to <paramref name="request"/> as a real OSD builds it: same tid, object name, PG and
    /// retry_attempt; the request flags with ACK|ONDISK as the ack bits; and a copy of each op carrying the
    /// <see cref="OsdOp.Rval"/> and <see cref="OsdOp.OutData"/> the OSD set on the request's op (in-data
    /// is not echoed). The reply's data segment holds the out-data from here on, so the request may be
    /// disposed before the reply is sent: when the only op with out-data carries it by reference
    /// (<see cref="OsdOp.OutBuffer"/>, a read from kept buffers), the reply takes that reference over and
    /// nothing is copied; otherwise the out-data is copied. Versions start at zero: see <see cref="SetReplyVersions"/>.
    /// </summary>
    /// <param name="request">The request being answered.</param>
    /// <param name="result">0 or a negative errno.</param>
    /// <param name="mapEpoch">The OSD's current map epoch.</param>
    public static MOSDOpReply For(MOSDOp request, int result, uint mapEpoch)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new MOSDOpReply
        {
            Tid = request.Tid,
            ObjectName = request.ObjectName,
            Pgid = request.Pgid,
            Flags = (request.Flags & ~AckBits) | OsdFlags.Ack | OsdFlags.OnDisk,
            Result = result,
            MapEpoch = mapEpoch,
            RetryAttempt = request.RetryAttempt,
        };
        OsdOp? carrier = null;
        int carriers = 0;
        foreach (OsdOp op in request.Ops)
        {
            reply.Ops.Add(op.CopyForReply());
            if (!op.OutBytes.IsEmpty)
            {
                carriers++;
                carrier = op;
            }
        }

        if (carriers == 1 && carrier!.TakeOutBuffer() is MessageBuffer shared)
        {
            reply.Data = shared;
            return reply;
        }

        // Out-data often points into the request's pooled data segment, which is returned when the
        // request's dispatch ends, before the writer encodes the reply: take a copy now.
        reply.Data = OsdOp.GatherData(reply.Ops, MessageBuffer.Empty, outData: true);
        OsdOp.SliceData(reply.Ops, reply.Data.Sequence, outData: true);
        return reply;
    }

    /// <summary>
    /// Sets the versions the way Ceph's OSD does: <see cref="ReplayVersion"/> = <paramref name="version"/>,
    /// <see cref="UserVersion"/> = <paramref name="userVersion"/>, and <see cref="BadReplayVersion"/> =
    /// <paramref name="version"/> with its version replaced by the user version when that is non-zero
    /// (what old clients read). A write passes its PG log version; a read passes default and the object version.
    /// </summary>
    public void SetReplyVersions(EVersion version, ulong userVersion)
    {
        ReplayVersion = version;
        UserVersion = userVersion;
        BadReplayVersion = userVersion != 0 ? version with { Version = userVersion } : version;
    }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    /// <remarks>Only the v8 layout is written, whatever version this was decoded at.</remarks>
    protected override (ushort Version, ushort CompatVersion) EncodingVersion => (HeadVersion, HeadCompat);

    /// <inheritdoc />
    /// <remarks>The ops' out-data in op order.</remarks>
    protected override MessageBuffer EncodeData() => OsdOp.GatherData(Ops, Data, outData: true);

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteString(ObjectName);
        Pgid.Encode(front);
        front.WriteU64(Flags);
        front.WriteI32(Result);
        BadReplayVersion.Encode(front);
        front.WriteU32(MapEpoch);
        front.WriteU32((uint)Ops.Count);
        foreach (OsdOp op in Ops)
        {
            op.Encode(front, outData: true);
        }

        front.WriteI32(RetryAttempt);
        foreach (OsdOp op in Ops)
        {
            front.WriteI32(op.Rval);
        }

        ReplayVersion.Encode(front);
        front.WriteU64(UserVersion);
        front.WriteBool(Redirect is not null);
        Redirect?.Encode(front);
        Trace.Encode(front);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < HeadVersion)
        {
            // Older layouts lack the trace (v7), the do_redirect byte (v6) or the per-op results (v3).
            throw new DecodeException($"osd_op_reply v{Version}: only the v{HeadVersion} layout (Luminous and later) is decoded");
        }

        ObjectName = front.ReadString();
        Pgid = PgId.Decode(ref front);
        Flags = front.ReadU64();
        Result = front.ReadI32();
        BadReplayVersion = EVersion.Decode(ref front);
        MapEpoch = front.ReadU32();

        // Each op is followed later by its le32 result, so it needs at least 42 bytes.
        int count = front.ReadCount(OsdOp.EncodedSize + sizeof(int));
        var ops = new List<OsdOp>(count);
        for (int i = 0; i < count; i++)
        {
            ops.Add(OsdOp.Decode(ref front));
        }

        RetryAttempt = front.ReadI32();
        foreach (OsdOp op in ops)
        {
            op.Rval = front.ReadI32();
        }

        ReplayVersion = EVersion.Decode(ref front);
        UserVersion = front.ReadU64();
        Redirect = front.ReadBool() ? RequestRedirect.Decode(ref front) : null;
        Trace = BlkinTrace.Decode(ref front);
        OsdOp.SliceData(ops, Data.Sequence, outData: true);
        Ops = ops;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"osd_op_reply(tid {Tid} {ObjectName} [{string.Join(", ", Ops)}] v{ReplayVersion} uv{UserVersion} flags 0x{Flags:x} = {Result})");
}
