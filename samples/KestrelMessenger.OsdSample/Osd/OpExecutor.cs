using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>What running one MOSDOp decided: the reply's result, and the transaction to apply (empty on failure).</summary>
/// <param name="Result">0 or a negative errno.</param>
/// <param name="Mutations">The object transaction, all or nothing; empty when nothing is to change.</param>
/// <param name="SnapSeq">The snapset seq the object carries after the transaction.</param>
public sealed record OpOutcome(int Result, IReadOnlyList<Mutation> Mutations, ulong SnapSeq);

/// <summary>
/// Runs the ops of one MOSDOp against an object, as Ceph's <c>do_osd_ops</c> does, without touching
/// the store: a pure function of the stored object, the request and the limits. Each op's rval,
/// out-data and extent length are set on the request's ops (the reply copies them). Mutations are
/// staged; the first failing op (without FAILOK) ends the request, leaves later ops unrun with rval
/// 0, and discards every staged mutation, so a request takes effect whole or not at all.
/// </summary>
internal static class OpExecutor
{
    /// <summary>Admits and runs <paramref name="request"/> on <paramref name="stored"/> (null when absent).</summary>
    public static OpOutcome Run(MOSDOp request, ObjectView? stored, OsdOpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        int refused = OpAdmission.Check(request, stored is not null, limits);
        if (refused < 0)
        {
            ClearOutData(request);
            return new OpOutcome(refused, [], 0);
        }

        var obj = new StagedObject(stored);
        long budget = limits.MaxReplyDataLength;
        int result = 0;
        foreach (OsdOp op in request.Ops)
        {
            op.Rval = Step(op, obj, limits, ref budget);
            bool failOk = (op.Flags & OsdOpFlags.FailOk) != 0 && op.Rval != Errno.EAGAIN && op.Rval != Errno.EINPROGRESS;
            if (op.Rval < 0 && !failOk)
            {
                result = op.Rval;
                break;
            }
        }

        if (result < 0 || obj.Mutations.Count == 0)
        {
            return new OpOutcome(result, [], stored?.SnapSeq ?? 0);
        }

        // Ceph clones the head before a write when a snapshot newer than the object's snapset exists
        // (make_writeable). This OSD keeps no clones: rather than let the snapshot silently lose its
        // data, such a write is refused.
        if (obj.ExistedBefore && request.Snaps.Count > 0 && request.Snaps[0] > stored!.SnapSeq)
        {
            ClearOutData(request);
            return new OpOutcome(Errno.EOPNOTSUPP, [], stored.SnapSeq);
        }

        if ((request.Flags & OpAdmission.ReturnVecFlag) == 0)
        {
            ClearOutData(request); // a successful write returns no data unless the client asked (Ceph's legacy rule)
        }
        else
        {
            foreach (OsdOp op in request.Ops.Where(o => o.OutBytes.Length > limits.MaxWriteOpReplyLength))
            {
                op.Rval = result = Errno.EOVERFLOW;
                op.OutData = default;
            }

            if (result < 0)
            {
                return new OpOutcome(result, [], stored?.SnapSeq ?? 0);
            }
        }

        return new OpOutcome(0, obj.Mutations, request.SnapSeq);
    }

    private static int Step(OsdOp op, StagedObject obj, OsdOpLimits limits, ref long budget)
    {
        if (OsdOpCode.UsesExtent(op.Code))
        {
            if (op.TruncateSeq == 1 && op.TruncateSize == ulong.MaxValue)
            {
                (op.TruncateSeq, op.TruncateSize) = (0, 0); // Ceph's "munge -1 truncate to 0 truncate"
            }

            if (op.TruncateSeq != 0)
            {
                return Errno.EOPNOTSUPP; // CephFS truncate sequencing: this OSD keeps no truncate_seq
            }

            if (op.Offset + op.Length < op.Offset)
            {
                return Errno.EINVAL; // the extent overflows 64 bits (a real 16.2 ceph-osd crashes on such a read)
            }
        }

        ulong max = limits.MaxObjectSize;
        switch (op.Code)
        {
            case OsdOpCode.Read:
                return Read(op, obj, ref budget);
            case OsdOpCode.Stat:
                return Stat(op, obj, ref budget);
            case OsdOpCode.Write:
                return Write(op, obj, op.Offset, max);
            case OsdOpCode.Append:
                return Write(op, obj, obj.Size, max);
            case OsdOpCode.WriteFull:
                if (op.Length != (ulong)op.InBytes.Length)
                {
                    return Errno.EINVAL;
                }

                if (TooBig(0, op.Length, max))
                {
                    return Errno.EFBIG;
                }

                obj.Stage(Mutation.WriteFull(op.InBytes));
                return 0;
            case OsdOpCode.Zero:
                return Zero(op, obj, max);
            case OsdOpCode.Truncate:
                if (!obj.Exists)
                {
                    return 0; // Ceph: truncating an absent object is a no-op
                }

                if (TooBig(op.Offset, op.Length, max))
                {
                    return Errno.EFBIG;
                }

                obj.Stage(Mutation.Truncate(op.Offset));
                return 0;
            case OsdOpCode.Delete:
                if (!obj.Exists)
                {
                    return Errno.ENOENT;
                }

                obj.Stage(Mutation.Delete());
                return 0;
            case OsdOpCode.Create:
                return Create(op, obj);
            case OsdOpCode.SetAllocHint:
                obj.Stage(Mutation.Create()); // Ceph creates the object; the hint itself means nothing in memory
                return 0;
            default:
                return Errno.EOPNOTSUPP;
        }
    }

    /// <summary>Ceph's <c>do_read</c>: length 0 reads to the end; reads past the end are trimmed (to nothing).</summary>
    private static int Read(OsdOp op, StagedObject obj, ref long budget)
    {
        if (!obj.Exists)
        {
            op.Length = 0;
            return Errno.ENOENT; // only reachable after a delete earlier in a write request
        }

        ulong length = op.Length == 0 ? obj.Size : op.Length;
        length = op.Offset >= obj.Size ? 0 : Math.Min(length, obj.Size - op.Offset);
        if (length > (ulong)budget)
        {
            op.Length = 0;
            return Errno.E2BIG;
        }

        if (length == 0)
        {
            op.OutData = default;
        }
        else if (obj.Mutations.Count == 0 && obj.Stored?.Buffer is { } kept)
        {
            // Nothing staged: the reply carries a reference to the stored bytes (which a later write
            // replaces rather than changes), so a read copies nothing until the frame is written.
            op.SetOutData(kept.Slice((int)op.Offset, (int)length));
        }
        else
        {
            op.SetOutData(MessageBuffer.Create((int)length, (obj, op.Offset), static (into, state) => state.obj.Read(state.Offset, into)));
        }

        op.Length = length;
        budget -= (long)length;
        return 0;
    }

    private static int Stat(OsdOp op, StagedObject obj, ref long budget)
    {
        if (!obj.Exists)
        {
            return Errno.ENOENT;
        }

        if (budget < 16)
        {
            return Errno.E2BIG;
        }

        using var outdata = new DencWriter(16);
        outdata.WriteU64(obj.Size); // what Ceph's OSD encodes for STAT: size, then mtime
        (obj.Stored?.MTime ?? default).Encode(outdata);
        op.OutData = outdata.ToArray();
        budget -= op.OutData.Length;
        return 0;
    }

    /// <summary>WRITE (and APPEND, at the current size): the length must match the data; the extent must fit osd_max_object_size.</summary>
    private static int Write(OsdOp op, StagedObject obj, ulong offset, ulong max)
    {
        if (op.Length != (ulong)op.InBytes.Length)
        {
            return Errno.EINVAL;
        }

        if (TooBig(offset, op.Length, max))
        {
            return Errno.EFBIG;
        }

        obj.Stage(Mutation.Create());
        if (op.Length > 0)
        {
            obj.Stage(Mutation.Write(offset, op.InBytes));
        }
        else if (offset > obj.Size)
        {
            obj.Stage(Mutation.Truncate(offset)); // Ceph: an empty write past the end extends the object
        }

        return 0;
    }

    /// <summary>ZERO: Ceph turns a zero reaching the end into a truncate, and never grows the object.</summary>
    private static int Zero(OsdOp op, StagedObject obj, ulong max)
    {
        if (op.Length == 0)
        {
            return Errno.EINVAL; // Ceph 16.2 asserts on a zero-length ZERO (do_osd_ops); refuse it instead
        }

        // Ceph turns a zero that reaches the end into a truncate before it checks the extent.
        if (obj.Exists && op.Offset < max && op.Length <= max && op.Offset + op.Length >= obj.Size)
        {
            if (op.Offset < obj.Size)
            {
                obj.Stage(Mutation.Truncate(op.Offset));
            }

            return 0;
        }

        if (TooBig(op.Offset, op.Length, max))
        {
            return Errno.EFBIG;
        }

        if (obj.Exists)
        {
            obj.Stage(Mutation.Zero(op.Offset, op.Length));
        }

        return 0;
    }

    private static int Create(OsdOp op, StagedObject obj)
    {
        if (obj.Exists && (op.Flags & OsdOpFlags.Excl) != 0)
        {
            return Errno.EEXIST;
        }

        if (!op.InData.IsEmpty)
        {
            // The in-data, when present, is a (long unused) category string; anything else is malformed.
            var reader = new DencReader(op.InData.Span);
            if (reader.Remaining < 4 || reader.ReadU32() > (uint)reader.Remaining)
            {
                return Errno.EINVAL;
            }
        }

        obj.Stage(Mutation.Create());
        return 0;
    }

    /// <summary>Ceph's <c>check_offset_and_length</c>: the extent must end within osd_max_object_size.</summary>
    private static bool TooBig(ulong offset, ulong length, ulong max) => offset >= max || length > max || offset + length > max;

    private static void ClearOutData(MOSDOp request)
    {
        foreach (OsdOp op in request.Ops)
        {
            op.OutData = default;
        }
    }
}
