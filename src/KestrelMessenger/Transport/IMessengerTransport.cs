using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// Where a messenger's connections come from: a listener factory Kestrel binds through, and a
/// connection factory for outbound connections. Sockets in production, memory in tests; the
/// Kestrel pipeline and middleware above are the same for both.
/// </summary>
public interface IMessengerTransport
{
    /// <summary>Binds listening endpoints (used by Kestrel).</summary>
    IConnectionListenerFactory Listeners { get; }

    /// <summary>Opens outbound connections.</summary>
    IConnectionFactory Connections { get; }
}
