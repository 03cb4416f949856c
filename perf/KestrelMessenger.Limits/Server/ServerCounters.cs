using KestrelMessenger.Protocol;

namespace KestrelMessenger.Limits.Server;

/// <summary>
/// What the server process has handled, for the driver's stats queries. Counting allocates nothing. With
/// a sampler, each query switches it: on at a driver's first query, off at its second, so it covers the
/// driver's windows and nothing of warm-ups or handshakes.
/// </summary>
internal sealed class ServerCounters(AllocationSampler? sampler)
{
    private readonly object _sampling = new();
    private long _messages;
    private long _payloadBytes;
    private long _sampledSince = -1;
    private long _sampledMessages;

    public long Messages => Interlocked.Read(ref _messages);

    public void Count(int payloadBytes)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _payloadBytes, payloadBytes);
    }

    /// <summary>The counters now, with the process's allocations (precise: every thread's allocation context is included).</summary>
    public ServerSnapshot Snapshot(ConnectionMode mode, uint authMethod)
    {
        var snapshot = new ServerSnapshot(
            GC.GetTotalAllocatedBytes(precise: true),
            Interlocked.Read(ref _messages),
            Interlocked.Read(ref _payloadBytes),
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            mode,
            authMethod);
        if (sampler is not null)
        {
            lock (_sampling)
            {
                if (_sampledSince < 0)
                {
                    _sampledSince = snapshot.Messages;
                    sampler.Start();
                }
                else
                {
                    sampler.Stop();
                    _sampledMessages += snapshot.Messages - _sampledSince;
                    _sampledSince = -1;
                }
            }
        }

        return snapshot;
    }

    /// <summary>The sampled types per message served while sampling (empty without a sampler).</summary>
    public IEnumerable<string> AllocationReport()
    {
        lock (_sampling)
        {
            return sampler?.Report(_sampledMessages).ToList() ?? [];
        }
    }
}
