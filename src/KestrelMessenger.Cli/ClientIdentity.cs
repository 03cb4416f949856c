using KestrelMessenger.Config;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Configuration;

namespace KestrelMessenger.Cli;

/// <summary>
/// Who kmsgr is and how it authenticates, found the way Ceph's tools find it: the command line's
/// <c>-c/-n/--id/-k/--key/--keyfile/-m</c>, then CEPH_ARGS, CEPH_CONF and CEPH_KEYRING (see
/// <see cref="CephArgs"/>), the conf, and the keyring that leads to.
/// </summary>
/// <remarks>
/// Ceph's rules for the key (MonClient::init, KeyRing::from_ceph_context): no keyring found anywhere
/// drops cephx and leaves auth none; a keyring named explicitly (<c>-k</c>, CEPH_KEYRING) that does not
/// exist is an error; a keyring found without a key for our name keeps cephx, which then cannot
/// authenticate (we say so before connecting, as an auth refusal).
/// </remarks>
internal sealed class ClientIdentity
{
    private ClientIdentity(AuthEntityName name, CryptoKey? key, string? keySource, IReadOnlyList<EntityAddrVec> monitors, AuthOptions authOptions)
    {
        Name = name;
        Key = key;
        KeySource = keySource;
        Monitors = monitors;
        AuthOptions = authOptions;
    }

    /// <summary>Who we authenticate as.</summary>
    public AuthEntityName Name { get; }

    /// <summary>Our cephx key, or null: auth none.</summary>
    public CryptoKey? Key { get; }

    /// <summary>Where the key came from (a keyring path, or <c>--key</c>), for messages; never the key.</summary>
    public string? KeySource { get; }

    /// <summary>The monitors of <c>-m</c> or the conf's <c>mon_host</c> (empty: none configured).</summary>
    public IReadOnlyList<EntityAddrVec> Monitors { get; }

    /// <summary>The conf's auth and mode options for us, with <c>--mode</c> applied.</summary>
    public AuthOptions AuthOptions { get; }

    /// <summary>The auth method we will try first with daemons: <c>cephx</c> with a key, else <c>none</c>.</summary>
    public string Method => Key is null ? "none" : "cephx";

    /// <summary>
    /// Resolves the identity from Ceph-style <paramref name="cephArgs"/> (merged with this process's
    /// CEPH_ARGS); <paramref name="mode"/> (<c>crc</c> or <c>secure</c>), when given, is both
    /// <c>ms_mon_client_mode</c> and <c>ms_client_mode</c>.
    /// </summary>
    /// <exception cref="CliException">The configuration cannot work; the message says why.</exception>
    public static async Task<ClientIdentity> ResolveAsync(IReadOnlyList<string> cephArgs, string? mode, CancellationToken ct)
    {
        CephClientSettings settings;
        CephConf? conf;
        try
        {
            settings = CephArgs.Parse(cephArgs);
            conf = settings.LoadConf();
        }
        catch (CephConfigException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        (CryptoKey? key, string? source) = FindKey(settings, conf);
        IReadOnlyList<EntityAddrVec> monitors = await MonitorsAsync(settings, conf, ct);
        AuthOptions options = AuthOptionsFrom(settings, conf);
        if (mode is not null)
        {
            options.MonClientMode = mode;
            options.ClientMode = mode;
        }

        if (mode == "secure" && key is null)
        {
            throw new CliException(ExitCodes.Usage, $"--mode secure needs cephx (auth none allows crc only), and no keyring was found for {settings.Name} (give -k KEYRING)");
        }

        AuthRegistry registry;
        try
        {
            registry = new AuthRegistry(options, EntityType.Client, key is null ? [AuthMethod.None] : [AuthMethod.Cephx, AuthMethod.None]);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        if (registry.Problems.Count > 0)
        {
            // Ceph's "missing keyring, cannot use cephx for authentication".
            string why = key is null ? $"; no keyring was found for {settings.Name} (give -k KEYRING)" : "";
            throw new CliException(ExitCodes.Usage, $"{string.Join("; ", registry.Problems)}{why}");
        }

        return new ClientIdentity(settings.Name, key, source, monitors, options);
    }

    private static (CryptoKey? Key, string? Source) FindKey(CephClientSettings settings, CephConf? conf)
    {
        Keyring keyring;
        try
        {
            // Nothing on the conf's or Ceph's default search list: Ceph drops cephx. A keyring named with -k
            // must exist, and one that is found but does not parse is an error.
            Keyring? found = settings.Keyring is null ? settings.TryLoadKeyring(conf) : settings.LoadKeyring(conf);
            if (found is null)
            {
                return (null, null);
            }

            keyring = found;
        }
        catch (CephConfigException e)
        {
            throw new CliException(ExitCodes.Usage, settings.Keyring is not null && settings.Key is null && settings.KeyFile is null && !File.Exists(settings.Keyring)
                ? $"no keyring file at {settings.Keyring} (-k / CEPH_KEYRING)"
                : e.Message);
        }

        string source = settings.Key is not null ? "--key" : keyring.FilePath ?? "the conf's key";
        if (keyring[settings.Name]?.Key is not CryptoKey key)
        {
            throw new CliException(ExitCodes.AuthRefused, $"{source} has no key for {settings.Name}, so cephx cannot authenticate it");
        }

        return (key, source);
    }

    private static async Task<IReadOnlyList<EntityAddrVec>> MonitorsAsync(CephClientSettings settings, CephConf? conf, CancellationToken ct)
    {
        string name = settings.Name.ToString();
        try
        {
            string? monHost = settings.MonHost ?? conf?.Get(name, "mon_host", settings.Meta);
            if (monHost is { Length: > 0 })
            {
                return await MonHost.ResolveAsync(monHost, ct);
            }

            return conf is null ? [] : MonHost.FromConf(conf, name, settings.Meta);
        }
        catch (CephConfigException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }
    }

    // The conf's settings for us, bound by Ceph's option names (auth_client_required, ms_client_mode …).
    private static AuthOptions AuthOptionsFrom(CephClientSettings settings, CephConf? conf)
    {
        var options = new AuthOptions();
        if (conf is not null)
        {
            new ConfigurationBuilder()
                .AddInMemoryCollection(conf.GetAll(settings.Name.ToString(), settings.Meta)
                    .Select(kv => KeyValuePair.Create(ConfigurationPath.Combine(AuthOptions.ConfigurationSection, kv.Key), (string?)kv.Value)))
                .Build()
                .GetSection(AuthOptions.ConfigurationSection)
                .Bind(options);
        }

        // A ping only connects: the lists for peers connecting to us do not apply (and would make a
        // keyless client refuse to start in a cluster that requires cephx between daemons).
        options.AuthClusterRequired = null;
        options.AuthServiceRequired = null;
        return options;
    }
}
