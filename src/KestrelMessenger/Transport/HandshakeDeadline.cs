using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelMessenger.Transport;

/// <summary>
/// The token the banner and handshake read and write under: cancelled when the handshake deadline
/// passes or when the host asks the connection to close, and able to say which. It is deliberately not
/// tied to the transport closing: a closed peer shows up as a completed read, whose bytes are examined.
/// </summary>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _stopping;

    public HandshakeDeadline(ConnectionContext connection, TimeSpan left)
    {
        _timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        _stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, _stopping);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The deadline passed (and we were not asked to stop first).</summary>
    public bool TimedOut => _timeout.IsCancellationRequested && !_stopping.IsCancellationRequested;

    /// <summary>The host asked the connection to close.</summary>
    public bool Stopping => _stopping.IsCancellationRequested;

    public void Dispose()
    {
        _cts.Dispose();
        _timeout.Dispose();
    }
}
