using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Testing;

/// <summary>
/// Cuts a messenger's sockets on demand, as a broken network would: add <see cref="Install"/> to
/// <see cref="MessengerOptions.ConnectionMiddleware"/>, then <see cref="CutAll"/> aborts every socket it
/// carries (the peer sees a reset). Deterministic where <c>ms_inject_socket_failures</c> is random.
/// </summary>
public sealed class SocketCutter
{
    private readonly ConcurrentDictionary<ConnectionContext, byte> _live = new();
    private int _cuts;

    /// <summary>Sockets cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Sockets carried now.</summary>
    public int Live => _live.Count;

    /// <summary>The middleware: use as <c>o.ConnectionMiddleware.Add(cutter.Install)</c>.</summary>
    public void Install(IConnectionBuilder builder) => builder.Use(next => async connection =>
    {
        _live[connection] = 0;
        try
        {
            await next(connection);
        }
        finally
        {
            _live.TryRemove(connection, out _);
        }
    });

    /// <summary>Aborts every live socket; returns how many.</summary>
    public int CutAll()
    {
        int n = 0;
        foreach (ConnectionContext connection in _live.Keys)
        {
            if (_live.TryRemove(connection, out _))
            {
                connection.Abort(new ConnectionAbortedException("cut by the test"));
                n++;
            }
        }

        Interlocked.Add(ref _cuts, n);
        return n;
    }
}
