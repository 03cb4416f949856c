using System.Globalization;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Configuration;

namespace KestrelMessenger.Connections;

/// <summary>
/// Ceph's fault-injection options (<c>ms_inject_*</c>), for testing what survives faults, in your own tests
/// as in ours. Process-wide by default, as in Ceph: they bind from the <c>Ceph</c> configuration section
/// with Ceph's key names (so <c>ms_inject_socket_failures = 500</c> in a ceph.conf read with
/// <c>AddCephConf</c> applies); a messenger may carry its own (<see cref="MessengerOptions.FaultInjection"/>).
/// All off by default. Seeded: the same <see cref="Seed"/> gives every connection the same dice, so a
/// failing run can be repeated (the interleaving of threads still varies).
/// </summary>
public sealed class FaultInjectionOptions
{
    /// <summary>Configuration section the process-wide options bind from.</summary>
    public const string ConfigurationSection = "Ceph";

    /// <summary><c>ms_inject_socket_failures</c>: one socket operation (a read, or a flush of writes) in N fails the socket; 0 never.</summary>
    [ConfigurationKeyName("ms_inject_socket_failures")]
    public int SocketFailures { get; set; }

    /// <summary><c>ms_inject_delay_type</c>: the peer types (<c>osd</c>, <c>client</c>, <c>mon</c> …, space separated) whose messages are delayed on receipt.</summary>
    [ConfigurationKeyName("ms_inject_delay_type")]
    public string DelayType { get; set; } = "";

    /// <summary><c>ms_inject_delay_max</c>: the longest delay, in seconds.</summary>
    [ConfigurationKeyName("ms_inject_delay_max")]
    public double DelayMax { get; set; } = 1.0;

    /// <summary><c>ms_inject_delay_probability</c>: the share of those messages delayed (0 to 1). Order is kept: later messages wait behind a delayed one.</summary>
    [ConfigurationKeyName("ms_inject_delay_probability")]
    public double DelayProbability { get; set; }

    /// <summary><c>ms_inject_internal_delays</c>: seconds to sleep at the session step's race windows (after a session lookup, before taking a session over).</summary>
    [ConfigurationKeyName("ms_inject_internal_delays")]
    public double InternalDelays { get; set; }

    /// <summary>Seed for the dice (not a Ceph option); a random one, logged at start, when unset.</summary>
    [ConfigurationKeyName("ms_inject_seed")]
    public int? Seed { get; set; }

    /// <summary>True when anything is injected.</summary>
    public bool Enabled => SocketFailures > 0 || (DelayProbability > 0 && !string.IsNullOrWhiteSpace(DelayType)) || InternalDelays > 0;

    /// <summary>What is wrong with these options, each problem naming its Ceph option (none when all is well).</summary>
    public IEnumerable<string> Validate()
    {
        if (SocketFailures < 0)
        {
            yield return $"ms_inject_socket_failures {SocketFailures} must be 0 (off) or positive";
        }

        if (DelayMax < 0 || DelayProbability is < 0 or > 1 || InternalDelays < 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"ms_inject_delay_max {DelayMax}, ms_inject_delay_probability {DelayProbability} (0..1) and ms_inject_internal_delays {InternalDelays} must not be negative");
        }

        foreach (string type in DelayTypes)
        {
            if (!EntityTypes.TryParse(type, out _))
            {
                yield return $"ms_inject_delay_type names '{type}', which is no entity type";
            }
        }
    }

    internal string[] DelayTypes => DelayType.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A messenger's dice for <see cref="FaultInjectionOptions"/>: one stream per connection, each seeded from the messenger's seed and the connection's number.</summary>
internal sealed class FaultInjection
{
    private readonly FaultInjectionOptions _options;
    private readonly HashSet<EntityType> _delayed;
    private long _connections;

    public FaultInjection(FaultInjectionOptions options)
    {
        _options = options;
        Seed = options.Seed ?? Random.Shared.Next();
        _delayed = [.. options.DelayTypes.Select(t => EntityTypes.TryParse(t, out EntityType type) ? type : EntityType.Any)];
    }

    /// <summary>No injection at all.</summary>
    public static FaultInjection None { get; } = new(new FaultInjectionOptions { Seed = 0 });

    public FaultInjectionOptions Options => _options;

    public int Seed { get; }

    /// <summary>One connection's dice.</summary>
    public Random ForConnection() => new(HashCode.Combine(Seed, Interlocked.Increment(ref _connections)));

    /// <summary>The delay settings for messages from a peer of <paramref name="peerType"/>, or null when none are delayed.</summary>
    public (double Probability, TimeSpan Max, Random Dice)? DelayFor(EntityType peerType) =>
        _options.DelayProbability > 0 && _delayed.Contains(peerType) ? (_options.DelayProbability, TimeSpan.FromSeconds(_options.DelayMax), ForConnection()) : null;

    /// <summary>Sleeps <c>ms_inject_internal_delays</c>, when set, to widen a race window.</summary>
    public Task InternalDelayAsync(CancellationToken cancellationToken) =>
        _options.InternalDelays > 0 ? Task.Delay(TimeSpan.FromSeconds(_options.InternalDelays), cancellationToken) : Task.CompletedTask;
}
