using Microsoft.Extensions.Configuration;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// Which auth methods and connection modes a process accepts and offers, with Ceph's option names and
/// semantics (lists like <c>cephx, none</c> or <c>secure crc</c>, in order of preference). Shared by all
/// messengers of a process; binds from the <c>Ceph</c> configuration section with Ceph's key names
/// (<c>Ceph:auth_cluster_required</c>, <c>Ceph:ms_cluster_mode</c>), so a ceph.conf read into
/// configuration applies as Ceph would apply it.
/// </summary>
/// <remarks>
/// A method list left unset takes Ceph's default (<c>cephx</c>; <c>cephx, none</c> for
/// <see cref="AuthClientRequired"/>) when the process has a cephx provider, and <c>none</c> when it has
/// none: Ceph drops cephx when there is no keyring, and a process with no key can only speak none. A list
/// set explicitly is taken as written, and one that names only methods we cannot speak is refused at start.
/// </remarks>
public sealed class AuthOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string ConfigurationSection = "Ceph";

    /// <summary><c>auth_supported</c>: when set, overrides the three lists below.</summary>
    [ConfigurationKeyName("auth_supported")]
    public string? AuthSupported { get; set; }

    /// <summary><c>auth_cluster_required</c>: methods between daemons (mon, osd, mds, mgr).</summary>
    [ConfigurationKeyName("auth_cluster_required")]
    public string? AuthClusterRequired { get; set; }

    /// <summary><c>auth_service_required</c>: methods a daemon accepts from clients.</summary>
    [ConfigurationKeyName("auth_service_required")]
    public string? AuthServiceRequired { get; set; }

    /// <summary><c>auth_client_required</c>: methods a client offers.</summary>
    [ConfigurationKeyName("auth_client_required")]
    public string? AuthClientRequired { get; set; }

    /// <summary><c>ms_mon_cluster_mode</c>: modes between monitors.</summary>
    [ConfigurationKeyName("ms_mon_cluster_mode")]
    public string MonClusterMode { get; set; } = "secure crc";

    /// <summary><c>ms_mon_service_mode</c>: modes a monitor allows its other peers.</summary>
    [ConfigurationKeyName("ms_mon_service_mode")]
    public string MonServiceMode { get; set; } = "secure crc";

    /// <summary><c>ms_mon_client_mode</c>: modes a client offers monitors.</summary>
    [ConfigurationKeyName("ms_mon_client_mode")]
    public string MonClientMode { get; set; } = "secure crc";

    /// <summary><c>ms_cluster_mode</c>: modes a non-monitor daemon uses with other daemons (monitors included).</summary>
    [ConfigurationKeyName("ms_cluster_mode")]
    public string ClusterMode { get; set; } = "crc secure";

    /// <summary><c>ms_service_mode</c>: modes a non-monitor daemon allows its clients.</summary>
    [ConfigurationKeyName("ms_service_mode")]
    public string ServiceMode { get; set; } = "crc secure";

    /// <summary><c>ms_client_mode</c>: modes a client offers daemons other than monitors.</summary>
    [ConfigurationKeyName("ms_client_mode")]
    public string ClientMode { get; set; } = "crc secure";
}
