namespace KestrelMessenger.OsdSample.Osd;

/// <summary>One OSD's settings (Ceph's osd_* options that matter here), bound from section "Osd".</summary>
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

    /// <summary>IP every messenger binds (public, cluster and both heartbeat servers).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Exact public port; 0 walks ms_bind_port_min..max like every other messenger.</summary>
    public int PublicPort { get; set; }

    /// <summary>Exact cluster port; 0 walks the range.</summary>
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

    /// <summary>
    /// Monitors to join, as ceph.conf's <c>mon_host</c> writes them ("v2:127.0.0.1:3300",
    /// "[v2:IP:3300,v1:IP:6789],…"). Empty: run without monitors on the static map.
    /// </summary>
    public string? MonHost { get; set; }

    /// <summary>This OSD's uuid, as given to <c>ceph osd new UUID</c> (required with monitors).</summary>
    public Guid? Uuid { get; set; }

    /// <summary><c>osd_beacon_report_interval</c>: how often MOSDBeacon tells the monitors we are alive.</summary>
    public TimeSpan BeaconInterval { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary><c>mon_client_ping_interval</c>: keepalives on the monitor session.</summary>
    public TimeSpan MonPingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the monitors to report this OSD up after MOSDBoot.</summary>
    public TimeSpan BootTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a primary waits for its replica before failing the write.</summary>
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
