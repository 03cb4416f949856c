using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// Ceph's <c>AuthRegistry</c> as a pure function of <see cref="AuthOptions"/>, our entity type and the
/// methods our providers can speak: which methods and modes apply towards (or from) a peer type, and
/// the mode a server picks from a client's preferences.
/// </summary>
/// <remarks>
/// The split is Ceph's: a client uses <c>auth_client_required</c>, with <c>ms_mon_client_mode</c>
/// towards monitors and <c>ms_client_mode</c> towards the rest. A monitor uses the cluster methods and
/// <c>ms_mon_cluster_mode</c> with monitors, the service methods and <c>ms_mon_service_mode</c> with
/// everyone else. Any other daemon uses the cluster methods and <c>ms_cluster_mode</c> with mon, mgr,
/// mds and osd peers (both ways), the service methods and <c>ms_service_mode</c> with clients. Auth none
/// allows crc mode only.
/// </remarks>
public sealed class AuthRegistry
{
    private readonly EntityType _myType;
    private readonly uint[] _cluster;
    private readonly uint[] _service;
    private readonly uint[] _client;
    private readonly ConnectionMode[] _monCluster;
    private readonly ConnectionMode[] _monService;
    private readonly ConnectionMode[] _monClient;
    private readonly ConnectionMode[] _clusterModes;
    private readonly ConnectionMode[] _serviceModes;
    private readonly ConnectionMode[] _clientModes;

    /// <summary>Applies <paramref name="options"/> for an entity of <paramref name="myType"/> that can speak <paramref name="available"/>.</summary>
    /// <exception cref="FormatException">A list names an unknown method or mode.</exception>
    public AuthRegistry(AuthOptions options, EntityType myType, IReadOnlyCollection<uint> available)
    {
        _myType = myType;
        bool cephx = available.Contains(AuthMethod.Cephx);
        string fallback = cephx ? "cephx" : "none";
        var problems = new List<string>();
        _cluster = Methods(options.AuthSupported ?? options.AuthClusterRequired, fallback, available, options.AuthSupported is null ? "auth_cluster_required" : "auth_supported", problems);
        _service = Methods(options.AuthSupported ?? options.AuthServiceRequired, fallback, available, options.AuthSupported is null ? "auth_service_required" : "auth_supported", problems);
        _client = Methods(options.AuthSupported ?? options.AuthClientRequired, cephx ? "cephx, none" : "none", available, options.AuthSupported is null ? "auth_client_required" : "auth_supported", problems);
        Problems = [.. problems.Distinct()];
        _monCluster = ParseModes(options.MonClusterMode, "ms_mon_cluster_mode");
        _monService = ParseModes(options.MonServiceMode, "ms_mon_service_mode");
        _monClient = ParseModes(options.MonClientMode, "ms_mon_client_mode");
        _clusterModes = ParseModes(options.ClusterMode, "ms_cluster_mode");
        _serviceModes = ParseModes(options.ServiceMode, "ms_service_mode");
        _clientModes = ParseModes(options.ClientMode, "ms_client_mode");
    }

    /// <summary>
    /// Lists set to methods none of which we can speak (<c>auth_cluster_required = cephx</c> without a
    /// key): a messenger refuses to start with any, rather than refuse every peer.
    /// </summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Auth none everywhere, crc mode (what a process without keys speaks).</summary>
    public static AuthRegistry NoneOnly(EntityType myType) => new(new AuthOptions(), myType, [AuthMethod.None]);

    /// <summary>The methods that apply with a peer of <paramref name="peerType"/>, in order of preference (empty: none can).</summary>
    public IReadOnlyList<uint> Methods(EntityType peerType) => _myType switch
    {
        EntityType.Client => _client,
        EntityType.Mon => peerType == EntityType.Mon ? _cluster : _service,
        _ => IsDaemon(peerType) ? _cluster : _service,
    };

    /// <summary>The modes that apply with a peer of <paramref name="peerType"/> under <paramref name="method"/>, in order of preference.</summary>
    public IReadOnlyList<ConnectionMode> Modes(EntityType peerType, uint method)
    {
        ConnectionMode[] modes = _myType switch
        {
            EntityType.Client => peerType == EntityType.Mon ? _monClient : _clientModes,
            EntityType.Mon => peerType == EntityType.Mon ? _monCluster : _monService,
            _ => IsDaemon(peerType) ? _clusterModes : _serviceModes,
        };
        return method == AuthMethod.None ? [.. modes.Where(m => m == ConnectionMode.Crc)] : modes;
    }

    /// <summary>
    /// The server's choice: the first of the client's <paramref name="preferred"/> modes that we allow
    /// (<see cref="ConnectionMode.Unknown"/> when there is none, or the method is not allowed).
    /// </summary>
    public ConnectionMode PickMode(EntityType peerType, uint method, IEnumerable<ConnectionMode> preferred)
    {
        if (!Methods(peerType).Contains(method))
        {
            return ConnectionMode.Unknown;
        }

        IReadOnlyList<ConnectionMode> allowed = Modes(peerType, method);
        return preferred.FirstOrDefault(allowed.Contains);
    }

    /// <summary>Every mode allowed with <paramref name="peerType"/> under any of its methods (AUTH_BAD_METHOD's list).</summary>
    public IReadOnlyList<ConnectionMode> AllModes(EntityType peerType) =>
        [.. Methods(peerType).SelectMany(m => Modes(peerType, m)).Distinct()];

    /// <summary>Parses a method list (<c>cephx, none</c>); separators are commas, semicolons and spaces, as Ceph splits them.</summary>
    public static uint[] ParseMethods(string list, string option) => [.. Split(list).Select(s => s switch
    {
        "cephx" => AuthMethod.Cephx,
        "none" => AuthMethod.None,
        "gss" => AuthMethod.Gss,
        _ => throw new FormatException($"{option}: unknown auth method '{s}' (known: cephx, none, gss)"),
    })];

    /// <summary>Parses a mode list (<c>secure crc</c>).</summary>
    public static ConnectionMode[] ParseModes(string list, string option) => [.. Split(list).Select(s => s switch
    {
        "crc" => ConnectionMode.Crc,
        "secure" => ConnectionMode.Secure,
        _ => throw new FormatException($"{option}: unknown connection mode '{s}' (known: crc, secure)"),
    })];

    private static uint[] Methods(string? configured, string fallback, IReadOnlyCollection<uint> available, string option, List<string> problems)
    {
        uint[] usable = [.. ParseMethods(configured ?? fallback, option).Where(available.Contains)];
        if (configured is not null && usable.Length == 0)
        {
            string have = available.Count == 0 ? "nothing" : string.Join(", ", available.Select(AuthMethod.Name));
            problems.Add($"{option} = {configured}, but this process can speak only {have} (cephx needs a key: a keyring and a name)");
        }

        return usable;
    }

    private static bool IsDaemon(EntityType type) => type is EntityType.Mon or EntityType.Mgr or EntityType.Mds or EntityType.Osd;

    private static IEnumerable<string> Split(string list) =>
        list.Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
