using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace KestrelMessenger.Diagnostics;

/// <summary>
/// The messenger's instruments (meter <c>KestrelMessenger</c>), tagged with the messenger name.
/// Names follow OpenTelemetry conventions.
/// </summary>
public sealed class MessengerMetrics : IDisposable
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "KestrelMessenger";

    private readonly Meter _meter;
    private readonly Counter<long> _connectionsOpened;
    private readonly UpDownCounter<long> _connectionsActive;
    private readonly Counter<long> _handshakeFailures;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Histogram<double> _handshakeDuration;
    private readonly Counter<long> _messagesReplayed;
    private readonly Counter<long> _sessionFaults;
    private readonly Counter<long> _sessionResets;
    private readonly Counter<long> _injectedFailures;

    /// <summary>Creates the instruments from <paramref name="meterFactory"/> (or a private meter when null).</summary>
    public MessengerMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connectionsOpened = _meter.CreateCounter<long>("ceph.messenger.connections.opened", "{connection}", "Connections that completed the msgr2 handshake.");
        _connectionsActive = _meter.CreateUpDownCounter<long>("ceph.messenger.connections.active", "{connection}", "Connections currently open.");
        _handshakeFailures = _meter.CreateCounter<long>("ceph.messenger.handshakes.failed", "{handshake}", "Handshakes that failed.");
        _messagesSent = _meter.CreateCounter<long>("ceph.messenger.messages.sent", "{message}", "MESSAGE frames written.");
        _messagesReceived = _meter.CreateCounter<long>("ceph.messenger.messages.received", "{message}", "MESSAGE frames read.");
        _bytesSent = _meter.CreateCounter<long>("ceph.messenger.bytes.sent", "By", "Frame bytes written.");
        _bytesReceived = _meter.CreateCounter<long>("ceph.messenger.bytes.received", "By", "Frame bytes read.");
        _handshakeDuration = _meter.CreateHistogram<double>("ceph.messenger.handshake.duration", "s", "Banner to READY.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _messagesReplayed = _meter.CreateCounter<long>("ceph.messenger.messages.replayed", "{message}", "Unacknowledged messages of lossless sessions written again on a new socket.");
        _sessionFaults = _meter.CreateCounter<long>("ceph.messenger.sessions.faults", "{fault}", "Sockets of lossless sessions lost, the session kept (reconnect or standby).");
        _sessionResets = _meter.CreateCounter<long>("ceph.messenger.sessions.resets", "{reset}", "Lossless sessions reset because the peer restarted or lost them.");
        _injectedFailures = _meter.CreateCounter<long>("ceph.messenger.sockets.injected_failures", "{failure}", "Socket failures injected by ms_inject_socket_failures.");
    }

    internal void ConnectionOpened(string messenger, string role, TimeSpan handshake)
    {
        var tags = new TagList { { "messenger", messenger }, { "role", role } };
        _connectionsOpened.Add(1, tags);
        _connectionsActive.Add(1, new KeyValuePair<string, object?>("messenger", messenger));
        _handshakeDuration.Record(handshake.TotalSeconds, tags);
    }

    internal void ConnectionClosed(string messenger) => _connectionsActive.Add(-1, new KeyValuePair<string, object?>("messenger", messenger));

    internal void HandshakeFailed(string messenger, string role) =>
        _handshakeFailures.Add(1, new TagList { { "messenger", messenger }, { "role", role } });

    internal void MessageSent(string messenger, long frameBytes)
    {
        var tag = new KeyValuePair<string, object?>("messenger", messenger);
        _messagesSent.Add(1, tag);
        _bytesSent.Add(frameBytes, tag);
    }

    internal void MessageReceived(string messenger, long frameBytes)
    {
        var tag = new KeyValuePair<string, object?>("messenger", messenger);
        _messagesReceived.Add(1, tag);
        _bytesReceived.Add(frameBytes, tag);
    }

    internal void MessageReplayed(string messenger) => _messagesReplayed.Add(1, new KeyValuePair<string, object?>("messenger", messenger));

    internal void SessionFault(string messenger) => _sessionFaults.Add(1, new KeyValuePair<string, object?>("messenger", messenger));

    internal void SessionReset(string messenger) => _sessionResets.Add(1, new KeyValuePair<string, object?>("messenger", messenger));

    internal void InjectedFailure(string messenger) => _injectedFailures.Add(1, new KeyValuePair<string, object?>("messenger", messenger));

    internal void ControlBytes(string messenger, long sent, long received)
    {
        var tag = new KeyValuePair<string, object?>("messenger", messenger);
        if (sent > 0)
        {
            _bytesSent.Add(sent, tag);
        }

        if (received > 0)
        {
            _bytesReceived.Add(received, tag);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
