using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using KestrelMessenger.Diagnostics;

namespace KestrelMessenger.LoadTool;

/// <summary>
/// Listens to the library's own instruments (meter <c>KestrelMessenger</c>): frame bytes written per
/// messenger, and the handshake duration (banner to READY) per messenger and role.
/// </summary>
internal sealed class WireMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, StrongBox> _bytesSent = new();
    private readonly ConcurrentDictionary<string, double> _handshakes = new();

    public WireMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MessengerMetrics.MeterName
                && instrument.Name is "ceph.messenger.bytes.sent" or "ceph.messenger.handshake.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? messenger = Tag(tags, "messenger");
            if (messenger is not null)
            {
                Interlocked.Add(ref _bytesSent.GetOrAdd(messenger, _ => new StrongBox()).Value, value);
            }
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            _handshakes[$"{Tag(tags, "messenger")}/{Tag(tags, "role")}"] = value;
        });
        _listener.Start();
    }

    /// <summary>Frame bytes the messenger has written so far.</summary>
    public long BytesSent(string messenger) => _bytesSent.TryGetValue(messenger, out StrongBox? box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>The last handshake duration seen for messenger/role, if any.</summary>
    public TimeSpan? Handshake(string messenger, string role) =>
        _handshakes.TryGetValue($"{messenger}/{role}", out double seconds) ? TimeSpan.FromSeconds(seconds) : null;

    public void Dispose() => _listener.Dispose();

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
