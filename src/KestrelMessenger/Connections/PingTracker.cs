using System.Diagnostics;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// The KEEPALIVE2 round trips a connection is waiting on. Stamps only ever increase, so an ACK of
/// stamp S answers every ping sent at or before S: a peer that acknowledges only the latest keepalive
/// (as ours does, and as Ceph keeps one <c>keepalive_ack</c>) still completes every waiting ping.
/// </summary>
internal sealed class PingTracker
{
    private readonly object _lock = new();
    private readonly List<Pending> _pending = [];
    private UTime _last;

    /// <summary>The next stamp to send: now, or just after the last one when the clock has not moved on.</summary>
    public UTime NextStamp()
    {
        lock (_lock)
        {
            UTime now = UTime.Now;
            _last = now.Ticks > _last.Ticks ? now : _last.NextNanosecond();
            return _last;
        }
    }

    /// <summary>The stamp of the latest ping still waiting for its ACK, if any.</summary>
    public UTime? LatestPending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count > 0 ? _pending[^1].Stamp : null;
            }
        }
    }

    /// <summary>Starts waiting for the ACK of a keepalive stamped now; returns the stamp to send.</summary>
    public UTime Add(TaskCompletionSource<TimeSpan> done)
    {
        lock (_lock)
        {
            UTime stamp = NextStamp();
            _pending.Add(new Pending(stamp, Stopwatch.GetTimestamp(), done));
            return stamp;
        }
    }

    /// <summary>Completes every ping stamped at or before <paramref name="stamp"/> with its round-trip time.</summary>
    public void Acked(UTime stamp)
    {
        List<Pending>? answered = null;
        lock (_lock)
        {
            int n = 0;
            while (n < _pending.Count && _pending[n].Stamp.Ticks <= stamp.Ticks)
            {
                n++;
            }

            if (n > 0)
            {
                answered = _pending.GetRange(0, n);
                _pending.RemoveRange(0, n);
            }
        }

        foreach (Pending p in answered ?? [])
        {
            p.Done.TrySetResult(Stopwatch.GetElapsedTime(p.Start));
        }
    }

    /// <summary>Stops waiting for one ping (its caller gave up).</summary>
    public void Forget(TaskCompletionSource<TimeSpan> done)
    {
        lock (_lock)
        {
            _pending.RemoveAll(p => p.Done == done);
        }
    }

    /// <summary>Fails every waiting ping (the connection closed).</summary>
    public void FailAll(Exception reason)
    {
        Pending[] all;
        lock (_lock)
        {
            all = [.. _pending];
            _pending.Clear();
        }

        foreach (Pending p in all)
        {
            p.Done.TrySetException(reason);
        }
    }

    private readonly record struct Pending(UTime Stamp, long Start, TaskCompletionSource<TimeSpan> Done);
}
