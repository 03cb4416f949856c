using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Transport;

/// <summary>TCP: Kestrel's socket transport for listening, <see cref="SocketConnectionFactory"/> for connecting ("async+posix").</summary>
public sealed class SocketMessengerTransport(ILoggerFactory loggerFactory) : IMessengerTransport, IDisposable
{
    private readonly SocketConnectionFactory _connections = new(loggerFactory);

    /// <inheritdoc />
    public IConnectionListenerFactory Listeners { get; } = new SocketTransportFactory(Options.Create(new SocketTransportOptions { NoDelay = true }), loggerFactory);

    /// <inheritdoc />
    public IConnectionFactory Connections => _connections;

    /// <inheritdoc />
    public void Dispose() => _connections.Dispose();
}
