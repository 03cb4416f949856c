using KestrelMessenger.Config;
using System.Globalization;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The Ceph options this OSD reads, by their Ceph names, each parsed as Ceph types it (int, float,
/// bool, seconds, address, uuid). A ceph.conf supplies them for <c>osd.N</c> (its [osd.N], then
/// [osd], then [global]); the command line sets the same names afterwards, so it wins. A value that
/// does not parse is an <see cref="OsdConfigException"/> naming the option.
/// </summary>
public static class OsdConfig
{
    private static readonly Dictionary<string, Action<OsdOptions, string>> Setters = new(StringComparer.Ordinal)
    {
        ["fsid"] = (o, v) => o.Fsid = Uuid("fsid", v),
        ["mon_host"] = (o, v) => o.MonHost = v,
        ["public_addr"] = (o, v) => o.PublicAddr = Addr("public_addr", v),
        ["cluster_addr"] = (o, v) => o.ClusterAddr = Addr("cluster_addr", v),
        ["public_network"] = (o, v) => o.PublicNetwork = Networks("public_network", v),
        ["cluster_network"] = (o, v) => o.ClusterNetwork = Networks("cluster_network", v),
        ["ms_bind_ipv4"] = (o, v) => o.BindIpv4 = Bool("ms_bind_ipv4", v),
        ["ms_bind_ipv6"] = (o, v) => o.BindIpv6 = Bool("ms_bind_ipv6", v),
        ["ms_bind_port_min"] = (o, v) => o.BindPortMin = Port("ms_bind_port_min", v),
        ["ms_bind_port_max"] = (o, v) => o.BindPortMax = Port("ms_bind_port_max", v),
        ["osd_heartbeat_interval"] = (o, v) => o.HeartbeatInterval = Seconds("osd_heartbeat_interval", v),
        ["osd_heartbeat_grace"] = (o, v) => o.HeartbeatGrace = Seconds("osd_heartbeat_grace", v),
        ["osd_heartbeat_min_size"] = (o, v) => o.HeartbeatMinSize = (uint)Int("osd_heartbeat_min_size", v, 0, int.MaxValue),
        ["osd_heartbeat_min_peers"] = (o, v) => o.HeartbeatMinPeers = Int("osd_heartbeat_min_peers", v, 1, 1000),
        ["osd_beacon_report_interval"] = (o, v) => o.BeaconInterval = Seconds("osd_beacon_report_interval", v),
        ["osd_mon_report_interval"] = (o, v) => o.MonReportInterval = Seconds("osd_mon_report_interval", v),
        ["mon_client_ping_interval"] = (o, v) => o.MonPingInterval = Seconds("mon_client_ping_interval", v),
        ["mon_client_ping_timeout"] = (o, v) => o.MonPingTimeout = Seconds("mon_client_ping_timeout", v),
        ["mon_client_hunt_interval"] = (o, v) => o.MonHuntInterval = Seconds("mon_client_hunt_interval", v),
        ["mon_client_hunt_interval_backoff"] = (o, v) => o.MonHuntBackoff = Float("mon_client_hunt_interval_backoff", v, 1),
        ["mon_client_hunt_interval_max_multiple"] = (o, v) => o.MonHuntMaxMultiple = Float("mon_client_hunt_interval_max_multiple", v, 1),
        ["mon_client_hunt_parallel"] = (o, v) => o.MonHuntParallel = Int("mon_client_hunt_parallel", v, 1, 100),
        ["client_mount_timeout"] = (o, v) => o.MonConnectTimeout = Seconds("client_mount_timeout", v),
        ["keyring"] = (o, v) => o.Keyring = v.Length == 0 ? null : v,
        ["auth_service_ticket_ttl"] = (o, v) => o.ServiceTicketTtl = Seconds("auth_service_ticket_ttl", v),
        ["rotating_keys_bootstrap_timeout"] = (o, v) => o.RotatingKeysTimeout = Seconds("rotating_keys_bootstrap_timeout", v),
        ["auth_supported"] = (o, v) => o.Auth["auth_supported"] = Methods("auth_supported", v),
        ["auth_cluster_required"] = (o, v) => o.Auth["auth_cluster_required"] = Methods("auth_cluster_required", v),
        ["auth_service_required"] = (o, v) => o.Auth["auth_service_required"] = Methods("auth_service_required", v),
        ["auth_client_required"] = (o, v) => o.Auth["auth_client_required"] = Methods("auth_client_required", v),
        ["ms_cluster_mode"] = (o, v) => o.Auth["ms_cluster_mode"] = Modes("ms_cluster_mode", v),
        ["ms_service_mode"] = (o, v) => o.Auth["ms_service_mode"] = Modes("ms_service_mode", v),
        ["ms_client_mode"] = (o, v) => o.Auth["ms_client_mode"] = Modes("ms_client_mode", v),
        ["ms_mon_client_mode"] = (o, v) => o.Auth["ms_mon_client_mode"] = Modes("ms_mon_client_mode", v),
        ["ms_initial_backoff"] = (o, v) => o.InitialBackoff = Seconds("ms_initial_backoff", v),
        ["ms_max_backoff"] = (o, v) => o.MaxBackoff = Seconds("ms_max_backoff", v),
        ["ms_inject_socket_failures"] = (o, v) => o.FaultInjection.SocketFailures = Int("ms_inject_socket_failures", v, 0, int.MaxValue),
        ["ms_inject_delay_type"] = (o, v) => o.FaultInjection.DelayType = v,
        ["ms_inject_delay_max"] = (o, v) => o.FaultInjection.DelayMax = Float("ms_inject_delay_max", v, 0),
        ["ms_inject_delay_probability"] = (o, v) => o.FaultInjection.DelayProbability = Float("ms_inject_delay_probability", v, 0),
        ["ms_inject_internal_delays"] = (o, v) => o.FaultInjection.InternalDelays = Float("ms_inject_internal_delays", v, 0),
        ["ms_inject_seed"] = (o, v) => o.FaultInjection.Seed = Int("ms_inject_seed", v, int.MinValue, int.MaxValue),
    };

    /// <summary>Applies the auth and mode options that were set to the process's <paramref name="auth"/>.</summary>
    public static void ApplyAuth(OsdOptions options, Protocol.Auth.AuthOptions auth)
    {
        foreach ((string name, string value) in options.Auth)
        {
            switch (name)
            {
                case "auth_supported": auth.AuthSupported = value; break;
                case "auth_cluster_required": auth.AuthClusterRequired = value; break;
                case "auth_service_required": auth.AuthServiceRequired = value; break;
                case "auth_client_required": auth.AuthClientRequired = value; break;
                case "ms_cluster_mode": auth.ClusterMode = value; break;
                case "ms_service_mode": auth.ServiceMode = value; break;
                case "ms_client_mode": auth.ClientMode = value; break;
                case "ms_mon_client_mode": auth.MonClientMode = value; break;
            }
        }
    }

    private static string Methods(string name, string v) => Checked(v, () => Protocol.Auth.AuthRegistry.ParseMethods(v, name));

    private static string Modes(string name, string v) => Checked(v, () => Protocol.Auth.AuthRegistry.ParseModes(v, name));

    // The list is kept as written (AuthOptions parses it again); what is checked here is that it parses at all.
    private static string Checked(string v, Func<object> parse)
    {
        try
        {
            _ = parse();
            return v;
        }
        catch (FormatException e)
        {
            throw new OsdConfigException(e.Message);
        }
    }

    /// <summary>The option names read.</summary>
    public static IReadOnlyCollection<string> Names => Setters.Keys;

    /// <summary>Sets every option <paramref name="conf"/> has for <c>osd.{options.Id}</c>.</summary>
    public static void Apply(CephConf conf, OsdOptions options)
    {
        string entity = $"osd.{options.Id.ToString(CultureInfo.InvariantCulture)}";
        foreach (string name in Setters.Keys)
        {
            if (conf.Get(entity, name) is string value)
            {
                Set(options, name, value);
            }
        }
    }

    /// <summary>Sets one option by its Ceph name (spaces or underscores).</summary>
    public static void Set(OsdOptions options, string name, string value)
    {
        string key = CephConf.NormalizeKey(name);
        if (!Setters.TryGetValue(key, out Action<OsdOptions, string>? set))
        {
            throw new OsdConfigException($"{name} is not an option this OSD reads");
        }

        set(options, value.Trim());
    }

    /// <summary>Narrows the ms_inject_* options to the messengers named in <paramref name="list"/> (comma-separated).</summary>
    public static void InjectOn(OsdOptions options, string list)
    {
        string[] names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.FirstOrDefault(n => !OsdHost.MessengerNames.Contains(n)) is string unknown)
        {
            throw new OsdConfigException($"--inject-on {unknown}: not one of the OSD's messengers ({string.Join(", ", OsdHost.MessengerNames)})");
        }

        options.FaultInjectionMessengers.Clear();
        options.FaultInjectionMessengers.UnionWith(names);
    }

    /// <summary>Checks the options that only make sense together.</summary>
    public static void Validate(OsdOptions options)
    {
        if (options.BindPortMin > options.BindPortMax)
        {
            throw new OsdConfigException($"ms_bind_port_min {options.BindPortMin} is above ms_bind_port_max {options.BindPortMax}");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatGrace <= TimeSpan.Zero || options.MonHuntInterval <= TimeSpan.Zero
            || options.MonPingInterval <= TimeSpan.Zero || options.MonReportInterval <= TimeSpan.Zero || options.BeaconInterval <= TimeSpan.Zero)
        {
            throw new OsdConfigException("heartbeat, report, ping and hunt intervals must be positive");
        }

        if (options.FaultInjection.Validate().FirstOrDefault() is string problem)
        {
            throw new OsdConfigException(problem);
        }

        if (options.InitialBackoff <= TimeSpan.Zero || options.MaxBackoff < options.InitialBackoff)
        {
            throw new OsdConfigException("ms_initial_backoff must be positive and at most ms_max_backoff");
        }
    }

    private static Guid Uuid(string name, string v) =>
        Guid.TryParse(v, out Guid g) ? g : throw Bad(name, v, "a uuid");

    private static string? Addr(string name, string v)
    {
        _ = AddressPicker.ParseAddr(name, v); // fails now, with the option named, rather than at bind time
        return v.Length == 0 ? null : v;
    }

    private static string? Networks(string name, string v)
    {
        _ = AddressPicker.ParseNetworks(name, v);
        return v.Length == 0 ? null : v;
    }

    // Ceph's strict_strtob: "true", "false" (any case) or an integer.
    private static bool Bool(string name, string v) =>
        v.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
        : v.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
        : long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n != 0
        : throw Bad(name, v, "'true' or 'false'");

    private static int Int(string name, string v, int min, int max) =>
        int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw Bad(name, v, $"an integer in {min}..{max}");

    private static int Port(string name, string v) => Int(name, v, 0, 65535);

    private static double Float(string name, string v, double min) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && d >= min
            ? d
            : throw Bad(name, v, $"a number of at least {min.ToString(CultureInfo.InvariantCulture)}");

    // Durations are seconds; fractions are accepted (Ceph takes whole seconds for some of these).
    private static TimeSpan Seconds(string name, string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && d > 0 && d < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(d)
            : throw Bad(name, v, "a positive number of seconds");

    private static OsdConfigException Bad(string name, string value, string expected) =>
        new($"{name} = '{value}' is not {expected}");
}
