using KestrelMessenger.Messages;

namespace KestrelMessenger.Connections;

/// <summary>
/// The msgr2 session state of one peer (Ceph's ProtocolV2 fields): cookies, global and connect seqs, the
/// message seqs in each direction, and the messages sent but not yet acknowledged. A lossy session
/// keeps no sent messages and dies with its socket; a lossless one outlives its sockets, and what is
/// sent stays here, under its seq, until the peer acknowledges it.
/// </summary>
internal sealed class Session
{
    private readonly object _lock = new();
    private readonly Queue<OutgoingMessage> _sent = new();
    private long _sentBytes;
    private long _inSeq;

    /// <summary>
    /// Last seq given to a new message written (assigned at write time, so priority reordering keeps seqs
    /// consecutive). It never moves back: replayed messages keep their own seqs.
    /// </summary>
    public ulong OutSeq { get; set; }

    /// <summary>Last seq received and accepted.</summary>
    public ulong InSeq
    {
        get => (ulong)Volatile.Read(ref _inSeq);
        set => Volatile.Write(ref _inSeq, (long)value);
    }

    /// <summary>The connecting side's cookie (0: lossy, or none made yet).</summary>
    public ulong ClientCookie { get; set; }

    /// <summary>The accepting side's cookie (0: lossy, or the session was never established).</summary>
    public ulong ServerCookie { get; set; }

    /// <summary>Our global_seq for the current connect attempt.</summary>
    public ulong GlobalSeq { get; set; }

    /// <summary>The peer's global_seq from its last IDENT or RECONNECT.</summary>
    public ulong PeerGlobalSeq { get; set; }

    /// <summary>How many times the session was resumed (SESSION_RECONNECT's connect_seq).</summary>
    public ulong ConnectSeq { get; set; }

    /// <summary>Messages written and not yet acknowledged.</summary>
    public int Unacked
    {
        get
        {
            lock (_lock)
            {
                return _sent.Count;
            }
        }
    }

    /// <summary>Their bytes.</summary>
    public long UnackedBytes => Interlocked.Read(ref _sentBytes);

    /// <summary>A lossless session wrote <paramref name="message"/> under its seq: keep it until the peer acknowledges it.</summary>
    public void Sent(OutgoingMessage message)
    {
        lock (_lock)
        {
            _sent.Enqueue(message);
            Interlocked.Add(ref _sentBytes, message.Length);
        }
    }

    /// <summary>The peer has every message up to <paramref name="seq"/>: release them. Returns how many were released.</summary>
    public int Acked(ulong seq)
    {
        List<OutgoingMessage>? released = null;
        lock (_lock)
        {
            while (_sent.Count > 0 && _sent.Peek().Seq <= seq)
            {
                OutgoingMessage m = _sent.Dequeue();
                Interlocked.Add(ref _sentBytes, -m.Length);
                (released ??= []).Add(m);
            }
        }

        foreach (OutgoingMessage m in released ?? [])
        {
            m.Dispose();
        }

        return released?.Count ?? 0;
    }

    /// <summary>
    /// The socket is gone: everything unacknowledged, in seq order, to be written again under the same seqs
    /// (Ceph's <c>requeue_sent</c>, which rewinds out_seq so they are numbered the same again; keeping each
    /// message's seq instead gives the same numbers and cannot be misled by a stale reconnect).
    /// </summary>
    public List<OutgoingMessage> TakeUnacked()
    {
        lock (_lock)
        {
            var unacked = new List<OutgoingMessage>(_sent);
            _sent.Clear();
            Interlocked.Exchange(ref _sentBytes, 0);
            return unacked;
        }
    }

    /// <summary>Forgets the whole session (Ceph's <c>reset_session</c>): seqs, cookies, and what was sent.</summary>
    public void Reset()
    {
        foreach (OutgoingMessage m in TakeUnacked())
        {
            m.Dispose();
        }

        OutSeq = 0;
        InSeq = 0;
        ClientCookie = 0;
        ServerCookie = 0;
        ConnectSeq = 0;
        PeerGlobalSeq = 0;
    }
}
