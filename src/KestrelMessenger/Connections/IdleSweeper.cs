using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;

namespace KestrelMessenger.Connections;

/// <summary>
/// Ceph's <c>ms_connection_idle_timeout</c> without a timer per connection: one loop per messenger
/// looks at every connection's last activity a few times per timeout. A lossy one silent too long is
/// closed; a lossless one loses its socket, as a fault, and keeps its session (standby when idle).
/// </summary>
internal sealed class IdleSweeper(IConnectionOwner owner, Func<IEnumerable<MessengerConnection>> connections, TimeSpan timeout)
{
    /// <summary>How often to look: often enough that a connection is closed within a quarter timeout of going idle.</summary>
    internal TimeSpan Period => TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 10, 30_000));

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                Sweep(Environment.TickCount64);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes every ready connection idle for longer than the timeout at <paramref name="now"/>.</summary>
    internal void Sweep(long now)
    {
        foreach (MessengerConnection connection in connections())
        {
            long idle = now - connection.LastActivity;
            if (connection.IsConnected && idle > timeout.TotalMilliseconds)
            {
                MessengerLog.ConnectionIdle(owner.Logger, owner.Name, connection.PeerName.ToString(), connection.ToString(), idle / 1000.0, timeout.TotalSeconds);
                connection.IdleOut(new ConnectionFailure(FailureKind.Idle, $"idle for {idle / 1000.0:0.#} s (ms_connection_idle_timeout {timeout.TotalSeconds:0.###} s)"));
            }
        }
    }
}
