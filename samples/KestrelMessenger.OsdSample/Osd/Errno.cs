namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The negative Linux errnos the OSD answers with (Ceph's wire values on Linux).</summary>
internal static class Errno
{
    public const int ENOENT = -2;
    public const int EIO = -5;
    public const int E2BIG = -7;
    public const int EAGAIN = -11;
    public const int EEXIST = -17;
    public const int EINVAL = -22;
    public const int EFBIG = -27;
    public const int ENAMETOOLONG = -36;
    public const int EOVERFLOW = -75;
    public const int EMSGSIZE = -90;
    public const int EOPNOTSUPP = -95;
    public const int EINPROGRESS = -115;
}
