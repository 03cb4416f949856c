using System.Globalization;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// Op codes of one <see cref="OsdOp"/> (<c>CEPH_OSD_OP_*</c> in <c>rados.h</c>). A code is a mode
/// (read 0x1000, write 0x2000, read-modify-write 0x3000, cache 0x8000) ORed with a type (data 0x0200,
/// xattr 0x0300, class call 0x0400, PG 0x0500) and a number.
/// </summary>
public static class OsdOpCode
{
    private const ushort ModeMask = 0xf000;
    private const ushort ModeRead = 0x1000;
    private const ushort ModeWrite = 0x2000;
    private const ushort ModeCache = 0x8000;
    private const ushort TypeMask = 0x0f00;
    private const ushort TypePg = 0x0500;

    /// <summary>Read an extent.</summary>
    public const ushort Read = 0x1201;
    /// <summary>Size and mtime of the object (out-data: le64 size, utime mtime).</summary>
    public const ushort Stat = 0x1202;
    /// <summary>Map which parts of an extent hold data.</summary>
    public const ushort MapExt = 0x1203;
    /// <summary>Read an extent, returning only allocated parts.</summary>
    public const ushort SparseRead = 0x1205;
    /// <summary>Notify the object's watchers.</summary>
    public const ushort Notify = 0x1206;
    /// <summary>Acknowledge a notify.</summary>
    public const ushort NotifyAck = 0x1207;
    /// <summary>Fail unless the object is at a given version.</summary>
    public const ushort AssertVer = 0x1208;
    /// <summary>List the object's watchers.</summary>
    public const ushort ListWatchers = 0x1209;
    /// <summary>List the object's snapshots/clones.</summary>
    public const ushort ListSnaps = 0x120a;
    /// <summary>List omap keys.</summary>
    public const ushort OmapGetKeys = 0x1211;
    /// <summary>List omap keys and values.</summary>
    public const ushort OmapGetVals = 0x1212;
    /// <summary>Read the omap header.</summary>
    public const ushort OmapGetHeader = 0x1213;
    /// <summary>Read named omap values.</summary>
    public const ushort OmapGetValsByKeys = 0x1214;
    /// <summary>Checksum an extent.</summary>
    public const ushort Checksum = 0x121f;
    /// <summary>Compare an extent with the in-data.</summary>
    public const ushort CmpExt = 0x1220;
    /// <summary>Write an extent.</summary>
    public const ushort Write = 0x2201;
    /// <summary>Replace the whole object with the in-data.</summary>
    public const ushort WriteFull = 0x2202;
    /// <summary>Truncate the object to <see cref="OsdOp.Offset"/>.</summary>
    public const ushort Truncate = 0x2203;
    /// <summary>Zero an extent.</summary>
    public const ushort Zero = 0x2204;
    /// <summary>Remove the object.</summary>
    public const ushort Delete = 0x2205;
    /// <summary>Append the in-data.</summary>
    public const ushort Append = 0x2206;
    /// <summary>Create the object (exclusively when the op flag EXCL is set).</summary>
    public const ushort Create = 0x220d;
    /// <summary>Roll back to a snapshot.</summary>
    public const ushort Rollback = 0x220e;
    /// <summary>Register or remove a watch.</summary>
    public const ushort Watch = 0x220f;
    /// <summary>Set omap values.</summary>
    public const ushort OmapSetVals = 0x2215;
    /// <summary>Set the omap header.</summary>
    public const ushort OmapSetHeader = 0x2216;
    /// <summary>Remove all omap entries.</summary>
    public const ushort OmapClear = 0x2217;
    /// <summary>Remove omap keys.</summary>
    public const ushort OmapRmKeys = 0x2218;
    /// <summary>Allocation hint (expected object and write size); a store may ignore it.</summary>
    public const ushort SetAllocHint = 0x2223;
    /// <summary>Write the in-data repeatedly over an extent.</summary>
    public const ushort WriteSame = 0x2226;
    /// <summary>Read an extended attribute.</summary>
    public const ushort GetXattr = 0x1301;
    /// <summary>Read all extended attributes.</summary>
    public const ushort GetXattrs = 0x1302;
    /// <summary>Compare an extended attribute.</summary>
    public const ushort CmpXattr = 0x1303;
    /// <summary>Set an extended attribute.</summary>
    public const ushort SetXattr = 0x2301;
    /// <summary>Set several extended attributes.</summary>
    public const ushort SetXattrs = 0x2302;
    /// <summary>Remove all extended attributes.</summary>
    public const ushort ResetXattrs = 0x2303;
    /// <summary>Remove an extended attribute.</summary>
    public const ushort RmXattr = 0x2304;
    /// <summary>Call an object class method (its mode bits say read, but it may write).</summary>
    public const ushort Call = 0x1401;
    /// <summary>List objects in a PG (namespaced).</summary>
    public const ushort PgNls = 0x1505;
    /// <summary>List objects in a PG with a filter (namespaced).</summary>
    public const ushort PgNlsFilter = 0x1506;

    /// <summary>True for ops that read (Ceph's <c>ceph_osd_op_mode_read</c>; CALL excluded).</summary>
    public static bool IsRead(ushort code) => (code & ModeRead) != 0 && code != Call;

    /// <summary>True for ops that modify the object.</summary>
    public static bool IsWrite(ushort code) => (code & ModeWrite) != 0;

    /// <summary>True when the code carries any mode bit (an unknown number still has one; garbage may not).</summary>
    public static bool HasMode(ushort code) => (code & ModeMask) != 0;

    /// <summary>True for cache-tier ops (Ceph's <c>ceph_osd_op_mode_cache</c>).</summary>
    public static bool IsCache(ushort code) => (code & ModeCache) != 0;

    /// <summary>True for ops on the PG rather than an object (PGNLS …): Ceph's <c>ceph_osd_op_type_pg</c>.</summary>
    public static bool IsPgOp(ushort code) => (code & TypeMask) == TypePg && HasMode(code);

    /// <summary>True for ops whose argument union is the extent view (offset, length, truncate_size, truncate_seq).</summary>
    public static bool UsesExtent(ushort code) => code is Read or MapExt or SparseRead or Write or WriteFull
        or Truncate or Zero or Append or CmpExt;

    /// <summary>Ceph's name for <paramref name="code"/> ("write", "set-alloc-hint"), or its hex value when unknown.</summary>
    public static string Name(ushort code) => code switch
    {
        Read => "read",
        Stat => "stat",
        MapExt => "mapext",
        SparseRead => "sparse-read",
        Notify => "notify",
        NotifyAck => "notify-ack",
        AssertVer => "assert-version",
        ListWatchers => "list-watchers",
        ListSnaps => "list-snaps",
        OmapGetKeys => "omap-get-keys",
        OmapGetVals => "omap-get-vals",
        OmapGetHeader => "omap-get-header",
        OmapGetValsByKeys => "omap-get-vals-by-keys",
        Checksum => "checksum",
        CmpExt => "cmpext",
        Write => "write",
        WriteFull => "writefull",
        Truncate => "truncate",
        Zero => "zero",
        Delete => "delete",
        Append => "append",
        Create => "create",
        Rollback => "rollback",
        Watch => "watch",
        OmapSetVals => "omap-set-vals",
        OmapSetHeader => "omap-set-header",
        OmapClear => "omap-clear",
        OmapRmKeys => "omap-rm-keys",
        SetAllocHint => "set-alloc-hint",
        WriteSame => "write-same",
        GetXattr => "getxattr",
        GetXattrs => "getxattrs",
        CmpXattr => "cmpxattr",
        SetXattr => "setxattr",
        SetXattrs => "setxattrs",
        ResetXattrs => "resetxattrs",
        RmXattr => "rmxattr",
        Call => "call",
        PgNls => "pgnls",
        PgNlsFilter => "pgnls-filter",
        _ => "op 0x" + code.ToString("x4", CultureInfo.InvariantCulture),
    };
}

/// <summary>Message-level flags of an MOSDOp / MOSDOpReply (<c>CEPH_OSD_FLAG_*</c>).</summary>
public static class OsdFlags
{
    /// <summary>Wants (request) or is (reply) an ack.</summary>
    public const uint Ack = 0x1;
    /// <summary>Wants or is an "in NVRAM" ack (obsolete).</summary>
    public const uint OnNvram = 0x2;
    /// <summary>Wants or is an "on disk" commit.</summary>
    public const uint OnDisk = 0x4;
    /// <summary>A resend.</summary>
    public const uint Retry = 0x8;
    /// <summary>The op may read.</summary>
    public const uint Read = 0x10;
    /// <summary>The op may write.</summary>
    public const uint Write = 0x20;
    /// <summary>Fail with EOLDSNAPC if the snap context is out of order.</summary>
    public const uint OrderSnap = 0x40;
    /// <summary>Operates on the PG, not an object.</summary>
    public const uint PgOp = 0x400;
    /// <summary>The op may call an object class.</summary>
    public const uint Exec = 0x800;
    /// <summary>Read from a nearby replica.</summary>
    public const uint LocalizeReads = 0x2000;
    /// <summary>Ordered with respect to concurrent reads.</summary>
    public const uint RwOrdered = 0x4000;
    /// <summary>Ignore cache-tier logic.</summary>
    public const uint IgnoreCache = 0x8000;
    /// <summary>Ignore the pool's overlay tier.</summary>
    public const uint IgnoreOverlay = 0x20000;
    /// <summary>The op has been redirected.</summary>
    public const uint Redirected = 0x200000;
    /// <summary>The client's redirect bit is authoritative (every modern client sets it).</summary>
    public const uint KnownRedir = 0x400000;
    /// <summary>Try the op although the cluster is full.</summary>
    public const uint FullTry = 0x800000;
    /// <summary>Force the op although the cluster is full (librados passes it on deletes).</summary>
    public const uint FullForce = 0x1000000;
    /// <summary>Ignore redirection.</summary>
    public const uint IgnoreRedirect = 0x2000000;
}

/// <summary>Per-op flags in <see cref="OsdOp.Flags"/> (<c>CEPH_OSD_OP_FLAG_*</c>).</summary>
public static class OsdOpFlags
{
    /// <summary>Exclusive create.</summary>
    public const uint Excl = 0x1;
    /// <summary>The request succeeds even if this op fails (the bench's alloc hint carries it).</summary>
    public const uint FailOk = 0x2;
    /// <summary>Random access hint.</summary>
    public const uint FadviseRandom = 0x4;
    /// <summary>Sequential access hint.</summary>
    public const uint FadviseSequential = 0x8;
    /// <summary>Data will be needed soon.</summary>
    public const uint FadviseWillNeed = 0x10;
    /// <summary>Data will not be needed soon.</summary>
    public const uint FadviseDontNeed = 0x20;
    /// <summary>Data is accessed once; do not cache it.</summary>
    public const uint FadviseNoCache = 0x40;
}
