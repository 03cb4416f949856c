using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Transport;

/// <summary>
/// Outbound TCP connections as <see cref="ConnectionContext"/>s, built by Kestrel's own
/// <see cref="SocketConnectionContextFactory"/> so they have the same pipes and pooling as accepted ones.
/// </summary>
public sealed class SocketConnectionFactory : IConnectionFactory, IDisposable
{
    private readonly SocketConnectionContextFactory _contexts;

    /// <summary>Creates the factory.</summary>
    public SocketConnectionFactory(ILoggerFactory loggerFactory) =>
        _contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<SocketConnectionFactory>());

    /// <inheritdoc />
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return _contexts.Create(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _contexts.Dispose();
}
