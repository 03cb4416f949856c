namespace KestrelMessenger.Mon;

/// <summary>
/// The hunt interval's multiplier, as Ceph 16.2's MonClient keeps it (<c>reopen_interval_multiplier</c>
/// in <c>_start_hunting</c>, <c>_finish_hunting</c>, <c>_un_backoff</c>): each hunt attempt lasts
/// <c>mon_client_hunt_interval</c> × multiplier. Once a session has existed, every new attempt
/// multiplies it by <c>mon_client_hunt_interval_backoff</c> up to
/// <c>mon_client_hunt_interval_max_multiple</c>; before the first session it stays at the minimum (a
/// daemon started before its monitors keeps trying at the base interval). A session found, and every
/// keepalive round on a live session, divide it back towards <c>mon_client_hunt_interval_min_multiple</c>.
/// </summary>
internal sealed class HuntBackoff(double backoff, double maxMultiple, double minMultiple = 1.0)
{
    private bool _hadSession;
    private readonly double _min = minMultiple;
    private double _multiplier = minMultiple;

    /// <summary>The current multiplier.</summary>
    public double Multiplier => _multiplier;

    /// <summary>A hunt attempt starts (Ceph's <c>_start_hunting</c>): the multiplier it runs with.</summary>
    public double StartAttempt()
    {
        if (_hadSession)
        {
            _multiplier = Math.Min(_multiplier * backoff, maxMultiple);
        }

        return _multiplier;
    }

    /// <summary>A session was found (Ceph's <c>_finish_hunting</c>).</summary>
    public void Found()
    {
        _hadSession = true;
        Relax();
    }

    /// <summary>A keepalive round on a live session went well (Ceph's <c>_un_backoff</c>).</summary>
    public void Relax() => _multiplier = Math.Max(_min, _multiplier / backoff);
}
