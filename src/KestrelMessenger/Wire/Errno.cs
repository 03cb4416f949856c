namespace KestrelMessenger.Wire;

/// <summary>The negative errno values that appear on the wire (Linux's numbers, which Ceph sends whatever its host).</summary>
public static class Errno
{
    /// <summary>Operation not permitted (cephx: a ticket or key that does not verify).</summary>
    public const int EPERM = -1;
    /// <summary>No such object.</summary>
    public const int ENOENT = -2;
    /// <summary>I/O error (what an OSD answers when something unexpected failed).</summary>
    public const int EIO = -5;
    /// <summary>Argument list too long (a reply that would exceed its bound).</summary>
    public const int E2BIG = -7;
    /// <summary>Try again.</summary>
    public const int EAGAIN = -11;
    /// <summary>Permission denied.</summary>
    public const int EACCES = -13;
    /// <summary>Busy (a monitor without quorum).</summary>
    public const int EBUSY = -16;
    /// <summary>Already exists.</summary>
    public const int EEXIST = -17;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = -22;
    /// <summary>File too large (past <c>osd_max_object_size</c>).</summary>
    public const int EFBIG = -27;
    /// <summary>Name too long.</summary>
    public const int ENAMETOOLONG = -36;
    /// <summary>Value too large (out-data past <c>osd_max_write_op_reply_len</c>).</summary>
    public const int EOVERFLOW = -75;
    /// <summary>Message too long (Ceph's <c>OSD_WRITETOOBIG</c>).</summary>
    public const int EMSGSIZE = -90;
    /// <summary>Operation not supported.</summary>
    public const int EOPNOTSUPP = -95;
    /// <summary>Operation in progress.</summary>
    public const int EINPROGRESS = -115;
    /// <summary>Timer expired (cephx: an expired ticket).</summary>
    public const int ETIME = -62;
    /// <summary>Connection timed out (a monitor request that got no answer in time).</summary>
    public const int ETIMEDOUT = -110;
    /// <summary>Operation canceled (a monitor request abandoned when its client stopped).</summary>
    public const int ECANCELED = -125;
    /// <summary>Key has expired.</summary>
    public const int EKEYEXPIRED = -127;
    /// <summary>Key was rejected by service.</summary>
    public const int EKEYREJECTED = -129;

    /// <summary>The symbolic name of a negative errno (<c>-13</c> is <c>EACCES</c>), or the number.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EIO => "EIO",
        E2BIG => "E2BIG",
        EAGAIN => "EAGAIN",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        EFBIG => "EFBIG",
        ENAMETOOLONG => "ENAMETOOLONG",
        ETIME => "ETIME",
        ETIMEDOUT => "ETIMEDOUT",
        ECANCELED => "ECANCELED",
        EOVERFLOW => "EOVERFLOW",
        EMSGSIZE => "EMSGSIZE",
        EOPNOTSUPP => "EOPNOTSUPP",
        EINPROGRESS => "EINPROGRESS",
        EKEYEXPIRED => "EKEYEXPIRED",
        EKEYREJECTED => "EKEYREJECTED",
        _ => errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
