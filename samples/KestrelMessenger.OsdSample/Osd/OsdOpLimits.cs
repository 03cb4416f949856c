using KestrelMessenger.Frames;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The bounds every client op is checked against: Ceph's <c>osd_max_*</c> options with Ceph 16.2's
/// defaults, plus one of our own for the size of a reply. Resolved as <c>IOptions&lt;OsdOpLimits&gt;</c>
/// (the defaults unless a host configures them).
/// </summary>
public sealed class OsdOpLimits
{
    /// <summary><c>osd_max_object_size</c>: writes past it get -EFBIG (128 MiB).</summary>
    public ulong MaxObjectSize { get; set; } = 128UL << 20;

    /// <summary><c>osd_max_write_size</c>: a write request whose data segment is larger gets -EMSGSIZE (90 MiB).</summary>
    public ulong MaxWriteSize { get; set; } = 90UL << 20;

    /// <summary><c>osd_max_object_name_len</c>: longer names or locator keys get -ENAMETOOLONG.</summary>
    public int MaxObjectNameLength { get; set; } = 2048;

    /// <summary><c>osd_max_object_namespace_len</c>: longer namespaces get -ENAMETOOLONG.</summary>
    public int MaxNamespaceLength { get; set; } = 256;

    /// <summary><c>osd_max_pgls</c>: a PG listing returns at most this many objects per request.</summary>
    public int MaxPgls { get; set; } = 1024;

    /// <summary>
    /// <c>osd_max_write_op_reply_len</c>: with CEPH_OSD_FLAG_RETURNVEC a successful write request returns
    /// each op's out-data up to this size; a larger one fails the request with -EOVERFLOW.
    /// </summary>
    public int MaxWriteOpReplyLength { get; set; } = 64;

    /// <summary>
    /// Our own bound on the out-data of one reply: a read that would take the reply past it gets
    /// -E2BIG. Ceph has no such cap (a 19 KB request of 500 whole-object reads asks a real ceph-osd for a
    /// reply hundreds of MB long). The default is the messenger's data-segment limit
    /// (<see cref="FrameLimits.MaxDataLength"/>, 64 MiB, the Linux client's <c>CEPH_MSG_MAX_DATA_LEN</c>):
    /// a larger reply would be refused by such a receiver anyway. Ops are never silently shortened.
    /// </summary>
    public int MaxReplyDataLength { get; set; } = FrameLimits.Default.MaxDataLength;
}
