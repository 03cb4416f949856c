namespace KestrelMessenger.Protocol.Sessions;

/// <summary>Where a session was when its socket failed, as Ceph's <c>_fault</c> tells the cases apart.</summary>
public enum FaultPhase
{
    /// <summary>Our own connect attempt failed before READY (TCP connect, banner, auth, ident).</summary>
    Connecting,
    /// <summary>The peer answered WAIT: its own connection to us wins a race.</summary>
    Wait,
    /// <summary>The session was READY on that socket (or was accepted and adopted it).</summary>
    Ready,
}

/// <summary>What a session knows when its socket fails.</summary>
/// <param name="Phase">Where it was.</param>
/// <param name="Lossy">The session is lossy (the server's flag decided, or our policy before it did).</param>
/// <param name="Queued">Messages wait to be sent, counting the unacknowledged ones put back for replay.</param>
/// <param name="KeepalivePending">A keepalive waits to be sent.</param>
/// <param name="PolicyStandby">The policy keeps an idle session in standby.</param>
/// <param name="PolicyServer">The policy never connects back to the peer.</param>
/// <param name="CanConnect">We know a msgr2 address of the peer to connect to.</param>
/// <param name="Backoff">The backoff of the last attempt (zero when none was waited for).</param>
public readonly record struct SessionFault(
    FaultPhase Phase, bool Lossy, bool Queued, bool KeepalivePending, bool PolicyStandby, bool PolicyServer, bool CanConnect, TimeSpan Backoff);

/// <summary>The session's next step after a fault.</summary>
public abstract record FaultAction
{
    private FaultAction()
    {
    }

    /// <summary>End the session: lossy, so what was queued is dropped and dispatchers hear of it.</summary>
    public sealed record Close : FaultAction;

    /// <summary>Keep the session without a socket until there is something to send, or the peer reconnects.</summary>
    public sealed record Standby : FaultAction;

    /// <summary>Open a new socket after <paramref name="Delay"/> (zero: at once), which is also the next backoff to grow from.</summary>
    public sealed record Reconnect(TimeSpan Delay) : FaultAction;
}

/// <summary>
/// Ceph 16.2's <c>ProtocolV2::_fault</c> for a session, as a pure function. Lossy sessions end, as they
/// always did here (Ceph's lossy client retries its own connect; ours reports the refusal instead, which
/// the MonClient's hunting relies on). A lossless session reconnects at once after a fault in READY, backs
/// off after a failed attempt (doubling from <c>ms_initial_backoff</c> to <c>ms_max_backoff</c>) and waits
/// the longest after WAIT; it stays in standby instead when its policy says so and nothing waits to be
/// sent, and always when its policy is <c>server</c>: such a session never connects back.
/// </summary>
public static class FaultRules
{
    /// <summary>The next step for <paramref name="fault"/>.</summary>
    public static FaultAction OnFault(SessionFault fault, TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        if (fault.Lossy)
        {
            return new FaultAction.Close();
        }

        if (fault.PolicyStandby && !fault.Queued && !fault.KeepalivePending && fault.Phase != FaultPhase.Wait)
        {
            return new FaultAction.Standby();
        }

        if (fault.PolicyServer || !fault.CanConnect)
        {
            return new FaultAction.Standby();
        }

        return fault.Phase switch
        {
            FaultPhase.Ready => new FaultAction.Reconnect(TimeSpan.Zero),
            FaultPhase.Wait => new FaultAction.Reconnect(maxBackoff),
            _ => new FaultAction.Reconnect(NextBackoff(fault.Backoff, initialBackoff, maxBackoff)),
        };
    }

    /// <summary>Ceph's backoff: the initial one first, then doubling, never above the maximum.</summary>
    public static TimeSpan NextBackoff(TimeSpan current, TimeSpan initial, TimeSpan max) =>
        current <= TimeSpan.Zero ? Min(initial, max) : Min(current * 2, max);

    /// <summary>
    /// A session in standby was given something to send: it connects again unless its policy is
    /// <c>server</c> (or it has no address to connect to). Keepalives alone do not wake it, as in Ceph.
    /// </summary>
    public static bool WakesFromStandby(bool messageQueued, bool policyServer, bool canConnect) => messageQueued && !policyServer && canConnect;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
