using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// An address to bind with a port range, as Ceph's <c>ms_bind_port_min..max</c>: the first free
/// port wins. Kestrel binds it through <see cref="CephListenerFactory"/>, after which the
/// <c>ListenOptions.EndPoint</c> holds the real <see cref="IPEndPoint"/>.
/// </summary>
public sealed class CephBindEndPoint(string messenger, IPAddress address, int portMin, int portMax) : EndPoint
{
    /// <summary>The messenger binding (for the error message).</summary>
    public string Messenger { get; } = messenger;

    /// <summary>The IP to bind.</summary>
    public IPAddress Address { get; } = address;

    /// <summary>First port to try (0 means "any free port").</summary>
    public int PortMin { get; } = portMin;

    /// <summary>Last port to try.</summary>
    public int PortMax { get; } = portMax;

    /// <inheritdoc />
    public override AddressFamily AddressFamily => Address.AddressFamily;

    /// <inheritdoc />
    public override string ToString() => PortMin == PortMax ? $"{Address}:{PortMin}" : $"{Address}:{PortMin}-{PortMax}";
}

/// <summary>Binds <see cref="CephBindEndPoint"/>s for Kestrel, walking the port range over the messenger transport.</summary>
public sealed class CephListenerFactory(IMessengerTransport transport) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => endpoint is CephBindEndPoint;

    /// <inheritdoc />
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var bind = (CephBindEndPoint)endpoint;
        Exception? last = null;
        for (int port = bind.PortMin; port <= bind.PortMax; port++)
        {
            try
            {
                return await transport.Listeners.BindAsync(new IPEndPoint(bind.Address, port), cancellationToken);
            }
            catch (AddressInUseException e)
            {
                last = e;
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                // Bound but refused at listen(): another process took the port between our bind and
                // listen (Kestrel converts only bind's failure). The next port, as Ceph's bind walk does.
                last = e;
            }
        }

        throw new IOException(
            $"messenger '{bind.Messenger}' could not bind {bind.Address} to any port in {bind.PortMin}..{bind.PortMax}: {last?.Message ?? "empty range"}", last);
    }
}
