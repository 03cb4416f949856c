using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>
/// The <see cref="MonClient"/>'s settings: Ceph's <c>mon_client_*</c> options under their Ceph names
/// (in the docs), with Ceph 16.2's defaults. Bound from <c>Ceph:MonClient</c> by
/// <c>AddCephMonClient</c>.
/// </summary>
public sealed class MonClientOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string ConfigurationSection = "Ceph:MonClient";

    /// <summary>
    /// The messenger the client runs over (the process's client or public messenger, e.g. "public" for
    /// an OSD); it must be added with <c>AddCephMessenger</c>.
    /// </summary>
    public string Messenger { get; set; } = "public";

    /// <summary>
    /// <c>mon_host</c>: the monitors to hunt, one address vector per entry ("[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"
    /// or "v2:10.0.0.1:3300"); an entry may also hold several, separated by commas or spaces, as ceph.conf
    /// writes them. Only v2 addresses are dialled. The monmap replaces this list once it arrives.
    /// </summary>
    public List<string> MonHost { get; set; } = [];

    /// <summary><c>mon_client_hunt_interval</c> (3 s): how long one hunt attempt waits before the next.</summary>
    public TimeSpan HuntInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>mon_client_hunt_interval_backoff</c> (1.5): the factor the interval grows by per attempt, once a session existed.</summary>
    public double HuntIntervalBackoff { get; set; } = 1.5;

    /// <summary><c>mon_client_hunt_interval_min_multiple</c> (1.0): the smallest multiple of the hunt interval.</summary>
    public double HuntIntervalMinMultiple { get; set; } = 1.0;

    /// <summary><c>mon_client_hunt_interval_max_multiple</c> (10): the largest multiple of the hunt interval.</summary>
    public double HuntIntervalMaxMultiple { get; set; } = 10;

    /// <summary><c>mon_client_hunt_parallel</c> (3): monitors dialled at once in one attempt (0: all of them).</summary>
    public int HuntParallel { get; set; } = 3;

    /// <summary><c>mon_client_ping_interval</c> (10 s): how often a keepalive goes to the monitor.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>mon_client_ping_timeout</c> (30 s): a session whose keepalives go unanswered this long is dropped
    /// and hunted again; zero turns the check off.
    /// </summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>client_mount_timeout</c> (300 s): how long <see cref="MonClient.WaitForSessionAsync(CancellationToken)"/>
    /// waits for the first session. The client itself hunts for as long as it runs.
    /// </summary>
    public TimeSpan MountTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// <c>rados_mon_op_timeout</c>: how long a command or version request waits for its answer, across
    /// sessions, before it ends with <c>-ETIMEDOUT</c>. Ceph's default (0) waits forever; ours is 30 s.
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> waits forever.
    /// </summary>
    public TimeSpan OpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Start hunting when the host starts (after the messengers). False: call <see cref="MonClient.StartAsync"/>.</summary>
    public bool StartWithHost { get; set; } = true;

    /// <summary>The host name sent in subscriptions (Ceph sends the short host name).</summary>
    public string Hostname { get; set; } = Environment.MachineName;

    /// <summary>The problems with these options (empty when they can work).</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Messenger))
        {
            yield return "MonClient: Messenger (the messenger to run over) is empty";
        }

        if (HuntInterval <= TimeSpan.Zero)
        {
            yield return $"mon_client_hunt_interval must be positive, not {HuntInterval}";
        }

        if (HuntIntervalBackoff < 1 || HuntIntervalMinMultiple <= 0 || HuntIntervalMaxMultiple < HuntIntervalMinMultiple)
        {
            yield return "mon_client_hunt_interval_backoff must be >= 1 and 0 < min_multiple <= max_multiple";
        }

        if (HuntParallel < 0)
        {
            yield return $"mon_client_hunt_parallel must be >= 0, not {HuntParallel}";
        }

        if (PingInterval <= TimeSpan.Zero || PingTimeout < TimeSpan.Zero)
        {
            yield return "mon_client_ping_interval must be positive and mon_client_ping_timeout not negative";
        }

        string? bad = null;
        try
        {
            _ = Monitors();
        }
        catch (FormatException e)
        {
            bad = e.Message;
        }
        catch (ArgumentException e)
        {
            bad = e.Message;
        }
        catch (Config.CephConfigException e)
        {
            bad = e.Message.StartsWith("mon_host: ", StringComparison.Ordinal) ? e.Message["mon_host: ".Length..] : e.Message;
        }

        if (bad is not null)
        {
            yield return $"mon_host: {bad}";
        }
    }

    /// <summary>The monitors of <see cref="MonHost"/>, v2 addresses only.</summary>
    public IReadOnlyList<EntityAddrVec> Monitors() => [.. MonHost.SelectMany(ParseMonHost)];

    /// <summary>
    /// Parses ceph.conf's <c>mon_host</c> in every form Ceph accepts (<see cref="Config.MonHost.Parse"/>) and
    /// keeps each monitor's v2 addresses (monitors with none are left out, since we speak msgr2 only).
    /// </summary>
    public static IReadOnlyList<EntityAddrVec> ParseMonHost(string? monHost) =>
        string.IsNullOrWhiteSpace(monHost)
            ? []
            : [.. Config.MonHost.Parse(monHost)
                .Select(v => new EntityAddrVec(v.Where(a => a.Type == EntityAddrType.Msgr2)))
                .Where(v => v.Count > 0)];
}
