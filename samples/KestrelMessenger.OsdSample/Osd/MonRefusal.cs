namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Why the OSD cannot join the cluster at start.</summary>
public enum MonRefusal
{
    /// <summary>No uuid was given, so the monitors could not tell this OSD from another with its id.</summary>
    MissingUuid,
    /// <summary>No monitor completed a session within <c>client_mount_timeout</c>.</summary>
    MonitorUnreachable,
    /// <summary>The monitors' monmap has another cluster fsid than the configured one.</summary>
    WrongFsid,
    /// <summary>The osdmap has no such id (`ceph osd new` was not run).</summary>
    UnknownOsd,
    /// <summary>The id belongs to another uuid: the monitors ignore our boot.</summary>
    UuidInUse,
    /// <summary>Booted, but never reported up within the boot timeout (not in CRUSH, `noup`…).</summary>
    NotMarkedUp,
    /// <summary>Every monitor refused the auth method or modes we offer (a cephx-only cluster, for now).</summary>
    AuthRefused,
}

/// <summary>The monitors refused this OSD, or could not be reached in time: start fails with exit code 2.</summary>
public sealed class MonRefusedException(MonRefusal kind, string message) : Exception(message)
{
    /// <summary>What refused us.</summary>
    public MonRefusal Kind { get; } = kind;
}

/// <summary>
/// The one place that turns how an OSD's start or run ended into its exit code and the single line
/// it prints: refusals by the cluster exit 2 (as item 11 of issue 8 asks), a configuration or bind
/// that cannot work exits 1 (as ceph-osd exits 1 when pick_addresses or bind fails), a stop exits 0.
/// Anything else is a bug and keeps its stack trace (null: rethrow).
/// </summary>
public static class StartOutcome
{
    /// <summary>Ran and was stopped.</summary>
    public const int Stopped = 0;

    /// <summary>Settings or binding that cannot work.</summary>
    public const int ConfigError = 1;

    /// <summary>The cluster refused us, or no monitor could be reached in time.</summary>
    public const int Refused = 2;

    /// <summary>The exit code and one-line reason for <paramref name="e"/>, or null for an unexpected failure.</summary>
    public static (int ExitCode, string Reason)? Of(Exception e, bool stopping) => Unwrap(e) switch
    {
        MonRefusedException refused => (Refused, refused.Message),
        OsdConfigException config => (ConfigError, config.Message),
        KestrelMessenger.Config.CephConfigException config => (ConfigError, config.Message),
        IOException io => (ConfigError, io.Message),
        OperationCanceledException when stopping => (Stopped, "stopped"),
        _ => null,
    };

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
}
