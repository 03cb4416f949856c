using System.Reflection;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Transport;

/// <summary>
/// TCP: Kestrel's socket transport for listening, <see cref="SocketConnectionFactory"/> for connecting
/// ("async+posix"), both on the messenger's <see cref="BlockMemoryPool"/>: large blocks, kept for reuse.
/// </summary>
public sealed class SocketMessengerTransport : IMessengerTransport, IDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly SocketTransportOptions _options;
    private SocketConnectionFactory? _connections;
    private SocketTransportFactory? _listeners;

    /// <summary>A transport with Kestrel's socket defaults.</summary>
    public SocketMessengerTransport(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        _options = NewOptions();
    }

    /// <inheritdoc />
    public IConnectionListenerFactory Listeners => _listeners ??= new SocketTransportFactory(Options.Create(_options), _loggerFactory);

    /// <inheritdoc />
    public IConnectionFactory Connections => _connections ??= new SocketConnectionFactory(_loggerFactory, _options);

    /// <inheritdoc />
    public void Dispose() => _connections?.Dispose();

    /// <summary>
    /// Kestrel's socket defaults, on the messenger's block pool. Kestrel takes the pool factory only through
    /// a setter it keeps internal (its DI setup fills it with its 4 KiB pinned pool; options made from
    /// scratch get one over <c>ArrayPool.Shared</c>). Where a runtime lacks the setter, the transport still
    /// works, only with that pool.
    /// </summary>
    internal static SocketTransportOptions NewOptions()
    {
        var options = new SocketTransportOptions { NoDelay = true };
        typeof(SocketTransportOptions).GetProperty("MemoryPoolFactory", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)?
            .SetValue(options, BlockMemoryPoolFactory.Shared);
        return options;
    }
}
