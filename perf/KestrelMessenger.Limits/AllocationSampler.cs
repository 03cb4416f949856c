using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace KestrelMessenger.Limits;

/// <summary>
/// Which types a process allocates, while switched on (<c>--alloc-types</c>): the runtime's
/// GCAllocationTick event names the type of the object that crossed each ~100 KB of allocation, so the
/// bytes attributed per type are a sample, proportional to the real mix over a long enough window. It is
/// a diagnostic for the B/msg figure, off unless asked for: its events are objects too.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const long GcKeyword = 0x1;

    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _on;

    public void Start() => _on = true;

    public void Stop() => _on = false;

    /// <summary>The top <paramref name="count"/> types, as estimated bytes per message over <paramref name="messages"/>.</summary>
    public IEnumerable<string> Report(long messages, int count = 12) => _bytes
        .OrderByDescending(kv => kv.Value)
        .Take(count)
        .Select(kv => string.Create(CultureInfo.InvariantCulture, $"alloc-type {kv.Value / (double)Math.Max(messages, 1),10:0.0} B/msg  {kv.Key}"));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true
            || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
        {
            return;
        }

        int type = names.IndexOf("TypeName");
        int amount = names.IndexOf("AllocationAmount64");
        if (type >= 0 && amount >= 0 && payload[type] is string name && payload[amount] is ulong bytes)
        {
            // Which heap the sampled allocation went to: small, large (LOH) or pinned (POH).
            int kind = names.IndexOf("AllocationKind");
            if (kind >= 0 && payload[kind] is uint k)
            {
                name += k switch { 1 => " [LOH]", 2 => " [POH]", _ => "" };
            }

            _bytes.AddOrUpdate(name, (long)bytes, (_, sum) => sum + (long)bytes);
        }
    }
}
