using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Config;

/// <summary>
/// What a Ceph client's command line and environment say about where its configuration is and who it
/// is (see <see cref="CephArgs.Parse"/>). <see cref="ToString"/> never shows <see cref="Key"/>.
/// </summary>
public sealed record CephClientSettings
{
    /// <summary>The conf file, or a comma-separated list tried in order (<c>-c</c>, else <c>CEPH_CONF</c>); null: Ceph's default search.</summary>
    public string? ConfPath { get; init; }

    /// <summary>Who we are (<c>-n</c>, or <c>--id</c> with the default type); <c>client.admin</c> by default.</summary>
    public AuthEntityName Name { get; init; } = new(EntityType.Client, "admin");

    /// <summary>The cluster (<c>--cluster</c>), else the conf file's name before <c>.conf</c>, else <c>ceph</c>.</summary>
    public string Cluster { get; init; } = "ceph";

    /// <summary>The keyring search list (<c>-k</c>, else <c>CEPH_KEYRING</c>); null: the conf's <c>keyring</c> or Ceph's default.</summary>
    public string? Keyring { get; init; }

    /// <summary>A base64 key given with <c>--key</c> (a secret: never logged).</summary>
    public string? Key { get; init; }

    /// <summary>A file holding only a base64 key (<c>--keyfile</c> / <c>-K</c>).</summary>
    public string? KeyFile { get; init; }

    /// <summary>Monitors given with <c>-m</c> / <c>--mon_host</c>, in mon_host syntax.</summary>
    public string? MonHost { get; init; }

    /// <summary>The arguments not consumed, in order (with CEPH_ARGS's merged in), <c>--</c> kept.</summary>
    public IReadOnlyList<string> Remaining { get; init; } = [];

    /// <summary>The metavariables for this process: its cluster.</summary>
    public CephMetaVariables Meta => new() { Cluster = Cluster };

    /// <summary>
    /// Reads the conf: the first file of <see cref="ConfPath"/> that exists (none is an error), or with no
    /// path Ceph's default search (<c>/etc/ceph/$cluster.conf</c>, <c>~/.ceph/$cluster.conf</c>,
    /// <c>./$cluster.conf</c>), which may find nothing (null).
    /// </summary>
    public CephConf? LoadConf()
    {
        string list = ConfPath ?? Meta.Expand("/etc/ceph/$cluster.conf, $home/.ceph/$cluster.conf, $cluster.conf", Name.ToString());
        foreach (string path in list.Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(path))
            {
                return CephConf.Load(path);
            }
        }

        return ConfPath is null ? null : throw new CephConfigException($"no conf file found at {ConfPath}");
    }

    /// <summary>
    /// The keys this client has, as <c>KeyRing::from_ceph_context</c> gathers them: the first keyring
    /// found on the search list (<see cref="Keyring"/>, else the conf's <c>keyring</c>, else Ceph's
    /// default for its type, metavariables expanded), then a <c>key</c> (<c>--key</c> or the conf) or else a
    /// <c>keyfile</c> for <see cref="Name"/>, which replaces the keyring's. Finding none is an error.
    /// </summary>
    public Config.Keyring LoadKeyring(CephConf? conf) =>
        TryLoadKeyring(conf, out string search) ?? throw new CephConfigException($"unable to find a keyring on {search}");

    /// <summary>
    /// As <see cref="LoadKeyring"/>, but null when nothing is found on the search list and no key or key
    /// file is given: what Ceph answers by dropping cephx (a keyring that is found and does not parse still throws).
    /// </summary>
    public Config.Keyring? TryLoadKeyring(CephConf? conf) => TryLoadKeyring(conf, out _);

    private Config.Keyring? TryLoadKeyring(CephConf? conf, out string search)
    {
        string name = Name.ToString();
        CephMetaVariables meta = Meta;
        search = meta.Expand(Keyring ?? conf?.GetRaw(name, "keyring") ?? Config.Keyring.DefaultSearchPathFor(EntityTypes.Name(Name.Type)), name, conf);
        string? found = Config.Keyring.ResolveFileSearch(search);
        Config.Keyring keyring = found is null ? new Config.Keyring() : Config.Keyring.Load(found);
        if ((Key ?? conf?.Get(name, "key", meta)) is string key && key.Length > 0)
        {
            keyring.Merge(Config.Keyring.FromKey(Name, key));
        }
        else if ((KeyFile ?? conf?.Get(name, "keyfile", meta)) is string keyFile && keyFile.Length > 0)
        {
            keyring.Merge(Config.Keyring.LoadKeyFile(Name, keyFile));
        }
        else if (found is null)
        {
            return null;
        }

        return keyring;
    }

    // The generated ToString would print Key.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Cluster = {Cluster}, ConfPath = {ConfPath}, Keyring = {Keyring}, Key = {(Key is null ? "" : "(set)")}, KeyFile = {KeyFile}, MonHost = {MonHost}");
        return true;
    }
}

/// <summary>
/// Ceph's early command-line conventions (src/common/ceph_argparse.cc <c>ceph_argparse_early_args</c>,
/// config.cc <c>parse_argv</c> and <c>parse_env</c>), for our CLI and samples.
/// </summary>
/// <remarks>
/// <para>Read: <c>-c/--conf FILE</c>, <c>--cluster NAME</c>, <c>-n/--name TYPE.ID</c>, <c>--id/--user ID</c>
/// (the id only; the type stays), <c>-i ID</c> for daemon types only (Ceph gives clients no <c>-i</c>:
/// the <c>ceph</c> tool's <c>-i</c> is an input file), <c>-k/--keyring PATH</c>, <c>--key BASE64</c>,
/// <c>-K/--keyfile PATH</c>, <c>-m/--mon_host ADDRS</c>. Each takes its value as the next argument or
/// after <c>=</c>; dashes and underscores after the leading <c>--</c> are the same (<c>--mon-host</c>).
/// A later occurrence wins. Parsing stops at <c>--</c>.</para>
/// <para>The environment: <c>CEPH_ARGS</c> is split at spaces and its options go before the command
/// line's (so the command line wins, as with Ceph 16.2); <c>CEPH_CONF</c> is the conf when no
/// <c>-c</c> is given; <c>CEPH_KEYRING</c> the keyring when no <c>-k</c> is given.</para>
/// </remarks>
public static class CephArgs
{
    /// <summary>
    /// Parses <paramref name="args"/> with <paramref name="environment"/> (null reads this process's
    /// CEPH_ARGS, CEPH_CONF and CEPH_KEYRING). <paramref name="defaultType"/> is the type of
    /// <c>--id</c>'s name when <c>-n</c> is not given (<c>client</c> for tools).
    /// </summary>
    public static CephClientSettings Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null, EntityType defaultType = EntityType.Client)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? Env(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);

        List<string> merged = Merge(args, Env("CEPH_ARGS"));
        string? conf = null, cluster = null, keyring = null, key = null, keyFile = null, monHost = null;
        var name = new AuthEntityName(defaultType, "admin");
        var remaining = new List<string>();
        for (int i = 0; i < merged.Count; i++)
        {
            string arg = merged[i];
            if (arg == "--")
            {
                remaining.AddRange(merged.Skip(i));
                break;
            }

            if (Value(merged, ref i, "--conf", "-c") is string c)
            {
                conf = c;
            }
            else if (Value(merged, ref i, "--cluster") is string cl)
            {
                cluster = cl;
            }
            else if (Value(merged, ref i, "--name", "-n") is string n)
            {
                name = Keyring.TryParseName(n, out AuthEntityName parsed)
                    ? parsed
                    : throw new CephConfigException($"error parsing '{n}': expected string of the form TYPE.ID, valid types are: auth, mon, osd, mds, mgr, client");
            }
            else if (Value(merged, ref i, "--id", "--user") is string id)
            {
                name = name with { Id = id };
            }
            else if (defaultType != EntityType.Client && Value(merged, ref i, "-i") is string daemonId)
            {
                name = name with { Id = daemonId };
            }
            else if (Value(merged, ref i, "--keyring", "-k") is string k)
            {
                keyring = k;
            }
            else if (Value(merged, ref i, "--key") is string secret)
            {
                key = secret;
            }
            else if (Value(merged, ref i, "--keyfile", "-K") is string kf)
            {
                keyFile = kf;
            }
            else if (Value(merged, ref i, "--mon_host", "-m") is string m)
            {
                monHost = m;
            }
            else
            {
                remaining.Add(arg);
            }
        }

        conf ??= Env("CEPH_CONF") is { Length: > 0 } envConf ? envConf : null;
        keyring ??= Env("CEPH_KEYRING") is { Length: > 0 } envKeyring ? envKeyring : null;
        string firstConf = conf?.Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return new CephClientSettings
        {
            ConfPath = conf,
            Name = name,
            Cluster = cluster ?? (conf is null ? "ceph" : CephMetaVariables.ClusterFromConfPath(firstConf)),
            Keyring = keyring,
            Key = key,
            KeyFile = keyFile,
            MonHost = monHost,
            Remaining = remaining,
        };
    }

    /// <summary>CEPH_ARGS's options, then the command line's, then <c>--</c> and the positional arguments of both.</summary>
    private static List<string> Merge(IReadOnlyList<string> args, string? cephArgs)
    {
        string[] env = (cephArgs ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        (List<string> Options, List<string>? After) Cut(IEnumerable<string> list)
        {
            var options = new List<string>();
            List<string>? after = null;
            foreach (string a in list)
            {
                if (after is not null)
                {
                    after.Add(a);
                }
                else if (a == "--")
                {
                    after = [];
                }
                else
                {
                    options.Add(a);
                }
            }

            return (options, after);
        }

        (List<string> envOptions, List<string>? envAfter) = Cut(env);
        (List<string> argOptions, List<string>? argAfter) = Cut(args);
        var merged = new List<string>(envOptions);
        merged.AddRange(argOptions);
        if (envAfter is not null || argAfter is not null)
        {
            merged.Add("--");
            merged.AddRange(argAfter ?? []);
            merged.AddRange(envAfter ?? []);
        }

        return merged;
    }

    /// <summary>ceph_argparse_witharg: "--opt VALUE" or "--opt=VALUE", dashes and underscores alike after the first two characters.</summary>
    private static string? Value(List<string> args, ref int i, params string[] names)
    {
        string arg = Underscored(args[i]);
        foreach (string name in names)
        {
            string wanted = Underscored(name);
            if (arg == wanted)
            {
                if (i + 1 >= args.Count)
                {
                    throw new CephConfigException($"Option {args[i]} requires an argument.");
                }

                i++;
                return args[i];
            }

            if (arg.Length > wanted.Length && arg.StartsWith(wanted, StringComparison.Ordinal) && arg[wanted.Length] == '=')
            {
                return args[i][(wanted.Length + 1)..];
            }
        }

        return null;
    }

    // dashes_to_underscores: the first two characters as they are, then '-' → '_' up to an '='.
    private static string Underscored(string arg)
    {
        if (arg.Length <= 2)
        {
            return arg;
        }

        int eq = arg.IndexOf('=', 2);
        string head = arg[2..(eq < 0 ? arg.Length : eq)].Replace('-', '_');
        return string.Concat(arg.AsSpan(0, 2), head, eq < 0 ? "" : arg.AsSpan(eq));
    }
}
