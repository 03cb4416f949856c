namespace KestrelMessenger.OsdSample.Osd;

/// <summary>One report for the monitor: peer failed (silent for <paramref name="FailedFor"/>) or alive again.</summary>
public sealed record FailureReport(int Peer, bool Failed, TimeSpan FailedFor);

/// <summary>
/// Ceph's OSD <c>failure_queue</c> and <c>failure_pending</c>: heartbeats queue a failed peer with the
/// time it went silent; <see cref="TakeDue"/> (Ceph's <c>send_failures</c>) hands each queued peer
/// over once and keeps it pending; a pending peer that answers again gets one "still alive" report
/// (<c>send_still_alive</c>); a new monitor session re-sends every pending report
/// (<c>requeue_failures</c>), since the new monitor may not have it. Thread-safe.
/// </summary>
public sealed class FailureReports
{
    private readonly object _lock = new();
    private readonly Dictionary<int, DateTime> _queue = [];
    private readonly Dictionary<int, DateTime> _pending = [];
    private readonly HashSet<int> _alive = [];

    /// <summary>Peers reported and not yet cancelled.</summary>
    public IReadOnlyList<int> Pending
    {
        get
        {
            lock (_lock)
            {
                return [.. _pending.Keys.Order()];
            }
        }
    }

    /// <summary>Heartbeats found <paramref name="peer"/> silent since <paramref name="since"/>.</summary>
    public void Failed(int peer, DateTime since)
    {
        lock (_lock)
        {
            _alive.Remove(peer);
            if (!_pending.ContainsKey(peer))
            {
                _queue[peer] = since;
            }
        }
    }

    /// <summary><paramref name="peer"/> answers heartbeats again: a queued report is dropped, a sent one is cancelled.</summary>
    public void Recovered(int peer)
    {
        lock (_lock)
        {
            _queue.Remove(peer);
            if (_pending.Remove(peer))
            {
                _alive.Add(peer);
            }
        }
    }

    /// <summary>The monitors no longer list <paramref name="peer"/> as up (or it left our peers): nothing to report about it.</summary>
    public void Forget(int peer)
    {
        lock (_lock)
        {
            _queue.Remove(peer);
            _pending.Remove(peer);
            _alive.Remove(peer);
        }
    }

    /// <summary>A new monitor session: every sent failure is sent again.</summary>
    public void Requeue()
    {
        lock (_lock)
        {
            foreach ((int peer, DateTime since) in _pending)
            {
                _queue[peer] = since;
            }

            _pending.Clear();
        }
    }

    /// <summary>The reports to send now: queued failures (then pending) and still-alive cancellations.</summary>
    public IReadOnlyList<FailureReport> TakeDue(DateTime now)
    {
        lock (_lock)
        {
            var due = new List<FailureReport>();
            foreach ((int peer, DateTime since) in _queue.OrderBy(q => q.Key))
            {
                due.Add(new FailureReport(peer, Failed: true, now > since ? now - since : TimeSpan.Zero));
                _pending[peer] = since;
            }

            _queue.Clear();
            due.AddRange(_alive.Order().Select(peer => new FailureReport(peer, Failed: false, TimeSpan.Zero)));
            _alive.Clear();
            return due;
        }
    }
}
