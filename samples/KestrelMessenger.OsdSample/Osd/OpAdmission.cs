using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The checks Ceph's <c>PrimaryLogPG::do_op</c> makes before any op of a request runs; a failure
/// is answered for the whole request (Ceph's <c>reply_op_error</c>: no op ran, so every rval is 0).
/// A pure function of the request, the object's existence and the limits.
/// </summary>
internal static class OpAdmission
{
    /// <summary>
    /// <c>CEPH_OSD_FLAG_RETURNVEC</c>: the client wants rvals and out-data of a successful write request
    /// (0x4000000: what 16.2.15's own <c>ceph_osd_flag_name</c> calls "returnvec").
    /// </summary>
    public const uint ReturnVecFlag = 0x4000000;

    /// <summary>True for ops on the PG rather than an object (PGNLS…): Ceph's <c>do_pg_op</c>.</summary>
    public static bool IsPgOp(ushort code) => OsdOpCode.IsPgOp(code);

    /// <summary>Ceph's <c>may_write</c>: some op has the write mode bit.</summary>
    public static bool MayWrite(MOSDOp request) => request.Ops.Any(o => OsdOpCode.IsWrite(o.Code));

    /// <summary>
    /// 0 when the request may run; otherwise its errno, checked in Ceph's order: an op vector with no
    /// mode bits at all (unknown ops only, or none) is -EINVAL; a class call is -EOPNOTSUPP (this OSD
    /// loads no object classes, as Ceph answers for a class it cannot open); names, keys and namespaces
    /// past <c>osd_max_object_name_len</c> / <c>osd_max_object_namespace_len</c> are -ENAMETOOLONG and an
    /// empty name -EINVAL; a write at a snapshot is -EINVAL and one whose data exceeds
    /// <c>osd_max_write_size</c> is -EMSGSIZE (OSD_WRITETOOBIG); a read at a snapshot is -EOPNOTSUPP,
    /// since this OSD keeps no snapshots and must never answer with head data instead; and a request
    /// that only reads gets -ENOENT when the object does not exist.
    /// </summary>
    public static int Check(MOSDOp request, bool objectExists, OsdOpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (!request.Ops.Any(o => OsdOpCode.HasMode(o.Code)))
        {
            return Errno.EINVAL;
        }

        if (request.Ops.Any(o => o.Code == OsdOpCode.Call))
        {
            return Errno.EOPNOTSUPP;
        }

        if (request.ObjectName.Length > limits.MaxObjectNameLength || request.Key.Length > limits.MaxObjectNameLength
            || request.Namespace.Length > limits.MaxNamespaceLength)
        {
            return Errno.ENAMETOOLONG;
        }

        if (request.ObjectName.Length == 0)
        {
            return Errno.EINVAL;
        }

        if (MayWrite(request))
        {
            if (request.SnapId != MOSDOp.NoSnap)
            {
                return Errno.EINVAL; // Ceph: "write to clone not valid"
            }

            return (ulong)request.Ops.Sum(o => o.InBytes.Length) > limits.MaxWriteSize ? Errno.EMSGSIZE : 0;
        }

        if (request.SnapId != MOSDOp.NoSnap)
        {
            return Errno.EOPNOTSUPP;
        }

        bool mayCache = request.Ops.Any(o => OsdOpCode.IsCache(o.Code));
        return !objectExists && !mayCache ? Errno.ENOENT : 0;
    }
}
