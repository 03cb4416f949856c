namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// One OSD's settings: the Ceph options that matter here, under Ceph's names in the docs, with
/// Ceph 16.2's defaults. <see cref="OsdConfig"/> fills them from a ceph.conf.
/// </summary>
public sealed class OsdOptions
{
    /// <summary>The OSD id: the N of osd.N.</summary>
    public int Id { get; set; }

    /// <summary>The cluster's fsid, carried in heartbeats.</summary>
    public Guid Fsid { get; set; } = DefaultFsid;

    /// <summary>The fsid used when none is configured (a monitor's monmap then supplies the real one).</summary>
    public static readonly Guid DefaultFsid = new("6cbbdb7a-2d4e-4a3e-9a0c-4f6e1c0f8a11");

    /// <summary>The nonce of all seven messengers; a fresh random one per start when unset.</summary>
    public uint? Nonce { get; set; }

    /// <summary><c>public_addr</c>: the IP (optionally <c>IP:PORT</c>) the public messenger and hb_front bind.</summary>
    public string? PublicAddr { get; set; }

    /// <summary><c>cluster_addr</c>: the IP (optionally <c>IP:PORT</c>) the cluster messenger and hb_back bind.</summary>
    public string? ClusterAddr { get; set; }

    /// <summary><c>public_network</c>: CIDR networks; without <see cref="PublicAddr"/>, a local address in one of them is bound.</summary>
    public string? PublicNetwork { get; set; }

    /// <summary><c>cluster_network</c>: as <see cref="PublicNetwork"/> for the cluster side (falls back to the public network).</summary>
    public string? ClusterNetwork { get; set; }

    /// <summary><c>ms_bind_ipv4</c>.</summary>
    public bool BindIpv4 { get; set; } = true;

    /// <summary><c>ms_bind_ipv6</c>.</summary>
    public bool BindIpv6 { get; set; }

    /// <summary><c>ms_bind_port_min</c>: the bottom of the range every server messenger walks.</summary>
    public int BindPortMin { get; set; } = 6800;

    /// <summary><c>ms_bind_port_max</c>.</summary>
    public int BindPortMax { get; set; } = 7300;

    /// <summary>Exact public port; 0 walks ms_bind_port_min..max (or takes public_addr's port).</summary>
    public int PublicPort { get; set; }

    /// <summary>Exact cluster port; 0 walks the range (or takes cluster_addr's port).</summary>
    public int ClusterPort { get; set; }

    /// <summary>Exact back heartbeat port; 0 walks the range.</summary>
    public int HeartbeatBackPort { get; set; }

    /// <summary>Exact front heartbeat port; 0 walks the range.</summary>
    public int HeartbeatFrontPort { get; set; }

    /// <summary><c>osd_heartbeat_interval</c>: how often peers are pinged.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary><c>osd_heartbeat_grace</c>: silence after which a peer is reported failed.</summary>
    public TimeSpan HeartbeatGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>osd_heartbeat_min_size</c>: heartbeats are padded to this many bytes.</summary>
    public uint HeartbeatMinSize { get; set; } = 2000;

    /// <summary><c>osd_heartbeat_min_peers</c>: how many up OSDs of the cluster are heartbeated, at least.</summary>
    public int HeartbeatMinPeers { get; set; } = 10;

    /// <summary>
    /// Monitors to join, as ceph.conf's <c>mon_host</c> writes them ("v2:127.0.0.1:3300",
    /// "[v2:IP:3300,v1:IP:6789],…"). Empty: run without monitors on the static map.
    /// </summary>
    public string? MonHost { get; set; }

    /// <summary>This OSD's uuid, as given to <c>ceph osd new UUID</c> (required with monitors).</summary>
    public Guid? Uuid { get; set; }

    /// <summary><c>osd_beacon_report_interval</c>: how often MOSDBeacon tells the monitors we are alive.</summary>
    public TimeSpan BeaconInterval { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary><c>osd_mon_report_interval</c>: how often queued failure reports go to the monitor.</summary>
    public TimeSpan MonReportInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>mon_client_ping_interval</c>: keepalives on the monitor session.</summary>
    public TimeSpan MonPingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>mon_client_ping_timeout</c>: a session whose keepalives go unanswered this long is dropped and re-hunted.</summary>
    public TimeSpan MonPingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>mon_client_hunt_interval</c>: how long one hunt attempt waits before the next.</summary>
    public TimeSpan MonHuntInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>mon_client_hunt_interval_backoff</c>: the factor the interval grows by per failed attempt (once a session existed).</summary>
    public double MonHuntBackoff { get; set; } = 1.5;

    /// <summary><c>mon_client_hunt_interval_max_multiple</c>: the interval grows to at most this multiple.</summary>
    public double MonHuntMaxMultiple { get; set; } = 10;

    /// <summary><c>mon_client_hunt_parallel</c>: monitors tried at once in one attempt.</summary>
    public int MonHuntParallel { get; set; } = 3;

    /// <summary>
    /// <c>client_mount_timeout</c>: at start, how long to hunt for a monitor before giving up (exit 2).
    /// Once the OSD has booted it hunts for as long as it runs.
    /// </summary>
    public TimeSpan MonConnectTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>How long to wait for the monitors to report this OSD up after MOSDBoot.</summary>
    public TimeSpan BootTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>keyring</c>: where osd.N's key is (a search list; metavariables expanded). Unset: Ceph's default list for an OSD.</summary>
    public string? Keyring { get; set; }

    /// <summary>
    /// The auth and connection-mode options (<c>auth_cluster_required</c>, <c>ms_cluster_mode</c> …), by
    /// their Ceph names, as the conf and command line give them; applied to the process's AuthOptions.
    /// </summary>
    public Dictionary<string, string> Auth { get; } = new(StringComparer.Ordinal);

    /// <summary><c>auth_service_ticket_ttl</c>: how long the monitors' rotating service secrets live (when to fetch the next).</summary>
    public TimeSpan ServiceTicketTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary><c>rotating_keys_bootstrap_timeout</c>: how long boot waits for the rotating service secrets.</summary>
    public TimeSpan RotatingKeysTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a primary waits for its replica before failing the write (-EAGAIN, so the client resends).
    /// Longer than a lossless session takes to come back from a fault (up to ms_max_backoff and a handshake).
    /// </summary>
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ceph's <c>ms_inject_*</c> options, for the messengers named in <see cref="FaultInjectionMessengers"/>.</summary>
    public Connections.FaultInjectionOptions FaultInjection { get; } = new();

    /// <summary>Which messengers inject faults (Ceph: all of them; <c>--inject-on cluster</c> narrows it, e.g. to test replication alone).</summary>
    public HashSet<string> FaultInjectionMessengers { get; } = [.. OsdHost.MessengerNames];

    /// <summary><c>ms_initial_backoff</c> for every messenger.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(0.2);

    /// <summary><c>ms_max_backoff</c> for every messenger.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);
}
