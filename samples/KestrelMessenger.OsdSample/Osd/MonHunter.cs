using KestrelMessenger.Messages;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The hunt interval's multiplier, as Ceph 16.2's MonClient keeps it (<c>_start_hunting</c>,
/// <c>_finish_hunting</c>, <c>_un_backoff</c>): each hunt attempt waits
/// <c>mon_client_hunt_interval</c> × multiplier. Once a session has existed, every new attempt
/// multiplies it by <c>mon_client_hunt_interval_backoff</c> up to
/// <c>mon_client_hunt_interval_max_multiple</c>; before the first session it stays at the minimum (a
/// daemon started before its monitors keeps trying at the base interval). A session found, and every
/// keepalive round on a live session, divide it back towards the minimum.
/// </summary>
public sealed class HuntBackoff(double backoff, double maxMultiple, double minMultiple = 1.0)
{
    private bool _hadSession;
    private readonly double _min = minMultiple;
    private double _multiplier = minMultiple;

    /// <summary>The current multiplier.</summary>
    public double Multiplier => _multiplier;

    /// <summary>A hunt attempt starts: the multiplier it runs with.</summary>
    public double StartAttempt()
    {
        if (_hadSession)
        {
            _multiplier = Math.Min(_multiplier * backoff, maxMultiple);
        }

        return _multiplier;
    }

    /// <summary>A session was found.</summary>
    public void Found()
    {
        _hadSession = true;
        Relax();
    }

    /// <summary>A keepalive round on a live session went well.</summary>
    public void Relax() => _multiplier = Math.Max(_min, _multiplier / backoff);
}

/// <summary>A monitor session found by <see cref="MonHunter"/>: the connection, and what finding it took.</summary>
public sealed record MonSessionFound(IConnection Connection, int Attempts, TimeSpan Elapsed);

/// <summary>
/// Ceph's MonClient hunt (<c>_reopen_session</c>, <c>_add_conns</c>, <c>tick</c>): each attempt dials up
/// to <c>mon_client_hunt_parallel</c> monitors at once and keeps the first whose handshake completes
/// (its KEEPALIVE2 is acknowledged); the others are marked down. An attempt lasts the hunt interval
/// times <see cref="HuntBackoff.Multiplier"/>, then the next one starts, until a session is found, the
/// optional deadline passes (<see cref="MonRefusal.MonitorUnreachable"/>), or the token stops it.
/// Each attempt is logged at debug; state changes are the caller's to log, once.
/// </summary>
public sealed partial class MonHunter(IReadOnlyList<EntityAddrVec> monitors, OsdOptions options, ILogger logger)
{
    private readonly HuntBackoff _backoff = new(options.MonHuntBackoff, options.MonHuntMaxMultiple);
    private int _next;

    /// <summary>The backoff state (a live session relaxes it on each keepalive round).</summary>
    public HuntBackoff Backoff => _backoff;

    /// <summary>
    /// Hunts until a monitor answers; past <paramref name="deadline"/> (if any) throws
    /// <see cref="MonRefusedException"/>. <paramref name="firstAttemptFailed"/> hears once why the first
    /// attempt failed (the caller logs that state change); later attempts are logged at debug.
    /// </summary>
    public async Task<MonSessionFound> HuntAsync(Messenger messenger, DateTime? deadline, Action<string>? firstAttemptFailed, CancellationToken ct)
    {
        DateTime started = DateTime.UtcNow;
        string reasons = "";
        for (int attempt = 1; ; attempt++)
        {
            if (deadline is DateTime end && DateTime.UtcNow >= end)
            {
                throw new MonRefusedException(MonRefusal.MonitorUnreachable,
                    $"no monitor answered within {(end - started).TotalSeconds:0.#} s (client_mount_timeout), after {attempt - 1} attempt(s) ({reasons})");
            }

            TimeSpan window = options.MonHuntInterval * _backoff.StartAttempt();
            DateTime attemptEnd = DateTime.UtcNow + window;
            bool cutShort = false;
            if (deadline is DateTime d && attemptEnd > d)
            {
                attemptEnd = d;
                cutShort = true;
            }

            IConnection[] dialled = [.. Candidates().Select(m => messenger.ConnectTo(EntityType.Mon, m))];
            IConnection? won = await FirstReadyAsync(dialled, attemptEnd, ct);
            IConnection[] lost = [.. dialled.Where(c => !ReferenceEquals(c, won))];

            // An attempt the deadline cut short before any verdict says nothing new: keep the last attempt's reasons.
            if (!(cutShort && reasons.Length > 0 && lost.All(c => c.Failure is null)))
            {
                reasons = string.Join("; ", lost.Select(c => $"{c.PeerAddrs}: {c.CloseReason ?? $"no answer within {window.TotalSeconds:0.#} s"}"));
            }
            foreach (IConnection other in lost)
            {
                other.MarkDown();
            }

            if (won is not null)
            {
                _backoff.Found();
                return new MonSessionFound(won, attempt, DateTime.UtcNow - started);
            }

            // At start a refusal is the cluster's answer, not an outage: every monitor we reached said no to our
            // auth method (AUTH_BAD_METHOD), and asking again would only be refused again.
            if (deadline is not null && dialled.All(c => c.Failure?.Kind == KestrelMessenger.Protocol.FailureKind.AuthRefused))
            {
                throw new MonRefusedException(MonRefusal.AuthRefused, $"the monitors refused our authentication ({reasons})");
            }

            TimeSpan rest = attemptEnd - DateTime.UtcNow;
            Log.AttemptFailed(logger, options.Id, attempt, reasons, Math.Max(0, rest.TotalSeconds));
            if (attempt == 1)
            {
                firstAttemptFailed?.Invoke(reasons);
            }

            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, ct);
            }
        }
    }

    private IEnumerable<EntityAddrVec> Candidates()
    {
        int n = Math.Min(Math.Max(1, options.MonHuntParallel), monitors.Count);
        int first = _next;
        _next = (_next + n) % monitors.Count;
        return Enumerable.Range(0, n).Select(i => monitors[(first + i) % monitors.Count]);
    }

    /// <summary>The first connection whose KEEPALIVE2 is acknowledged before <paramref name="until"/>, or null.</summary>
    private static async Task<IConnection?> FirstReadyAsync(IConnection[] dialled, DateTime until, CancellationToken ct)
    {
        var pending = dialled.ToDictionary(c => (Task)c.PingAsync(ct), c => c);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        TimeSpan left = until - DateTime.UtcNow;
        window.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        Task expired = Task.Delay(Timeout.Infinite, window.Token);
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny([.. pending.Keys, expired]);
            if (done == expired)
            {
                ct.ThrowIfCancellationRequested();
                return null;
            }

            IConnection connection = pending[done];
            pending.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                return connection;
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(111, LogLevel.Debug, "osd.{Id}: hunt attempt {Attempt}: no monitor answered ({Reasons}); next attempt in {Delay:0.0} s")]
        public static partial void AttemptFailed(ILogger logger, int id, int attempt, string reasons, double delay);
    }
}
