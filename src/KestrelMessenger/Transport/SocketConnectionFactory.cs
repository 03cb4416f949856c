using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Transport;

/// <summary>
/// Outbound TCP connections as <see cref="ConnectionContext"/>s, built by Kestrel's own
/// <see cref="SocketConnectionContextFactory"/>. Given the listeners' <see cref="SocketTransportOptions"/>,
/// they get the same pipes and memory pool as accepted ones.
/// </summary>
public sealed class SocketConnectionFactory : IConnectionFactory, IDisposable
{
    private readonly SocketConnectionContextFactory _contexts;

    /// <summary>Creates the factory with Kestrel's socket defaults, on the messenger's block pool.</summary>
    public SocketConnectionFactory(ILoggerFactory loggerFactory)
        : this(loggerFactory, null)
    {
    }

    /// <summary>Creates the factory with the settings (and memory pool) of <paramref name="transport"/>; the defaults above when null.</summary>
    public SocketConnectionFactory(ILoggerFactory loggerFactory, SocketTransportOptions? transport)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _contexts = new SocketConnectionContextFactory(ClientOptions(transport ?? SocketMessengerTransport.NewOptions()), loggerFactory.CreateLogger<SocketConnectionFactory>());
    }

    /// <summary>
    /// Client options carrying the listeners' settings. Kestrel copies them with a constructor it keeps
    /// internal (the memory pool factory has no public setter); where a runtime lacks it, the public
    /// defaults serve, only with the smaller pool.
    /// </summary>
    private static SocketConnectionFactoryOptions ClientOptions(SocketTransportOptions transport)
    {
        if (typeof(SocketConnectionFactoryOptions).GetConstructor(
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance, [typeof(SocketTransportOptions)]) is { } copy)
        {
            return (SocketConnectionFactoryOptions)copy.Invoke([transport]);
        }

        return new SocketConnectionFactoryOptions();
    }

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
