namespace KestrelMessenger.Protocol;

/// <summary><c>CEPH_CON_MODE_*</c>: how frames are protected after AUTH_DONE.</summary>
public enum ConnectionMode : uint
{
    /// <summary>Not negotiated.</summary>
    Unknown = 0,
    /// <summary>CRC32C per segment; the only mode auth none allows.</summary>
    Crc = 1,
    /// <summary>AES-128-GCM (needs cephx).</summary>
    Secure = 2,
}

/// <summary><c>CEPH_AUTH_*</c> method numbers.</summary>
public static class AuthMethod
{
    /// <summary>Unknown.</summary>
    public const uint Unknown = 0;
    /// <summary>No authentication.</summary>
    public const uint None = 1;
    /// <summary>cephx.</summary>
    public const uint Cephx = 2;
    /// <summary>Kerberos (not spoken here).</summary>
    public const uint Gss = 4;

    /// <summary>The method's name as Ceph's options spell it.</summary>
    public static string Name(uint method) => method switch
    {
        None => "none",
        Cephx => "cephx",
        Gss => "gss",
        _ => $"method {method}",
    };
}
