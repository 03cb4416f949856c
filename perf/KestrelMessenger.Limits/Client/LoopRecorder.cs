namespace KestrelMessenger.Limits.Client;

/// <summary>One connection's completed round trips: a running count (the driver differences it across the window) and the latencies inside the window.</summary>
internal sealed class LoopRecorder(LoadWindow window)
{
    private long _completed;

    public long Completed => Interlocked.Read(ref _completed);

    public LatencyHistogram Latency { get; } = new();

    public void Complete(long sentAt, long now)
    {
        Interlocked.Increment(ref _completed);
        if (window.Measuring)
        {
            Latency.Record(now - sentAt);
        }
    }
}
