namespace KestrelMessenger.Config;

/// <summary>
/// A ceph.conf, keyring, mon_host or command line that cannot be used as written. The message names
/// the file and line (or the option) and what was expected; it never contains key material.
/// </summary>
public sealed class CephConfigException : Exception
{
    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public CephConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> cause.</summary>
    public CephConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
