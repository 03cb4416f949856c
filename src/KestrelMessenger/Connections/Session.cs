namespace KestrelMessenger.Connections;

/// <summary>
/// Sequence state of one msgr2 session. Lossy sessions die with their connection; lossless
/// sessions will outlive it once reconnect and replay land (the unacked list is the seam).
/// </summary>
internal sealed class Session
{
    private long _inSeq;

    /// <summary>Last seq written (assigned at write time, so priority reordering keeps seqs consecutive).</summary>
    public ulong OutSeq { get; set; }

    /// <summary>Last seq received and accepted.</summary>
    public ulong InSeq
    {
        get => (ulong)Volatile.Read(ref _inSeq);
        set => Volatile.Write(ref _inSeq, (long)value);
    }

    /// <summary>Highest of our seqs the peer has acknowledged.</summary>
    public ulong AckedSeq { get; set; }

    /// <summary>Cookies from the IDENT exchange (0 when lossy).</summary>
    public ulong ClientCookie { get; set; }

    /// <summary>Cookies from the IDENT exchange (0 when lossy).</summary>
    public ulong ServerCookie { get; set; }
}
