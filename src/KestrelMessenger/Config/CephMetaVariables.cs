using System.Globalization;
using System.Net;
using System.Text;

namespace KestrelMessenger.Config;

/// <summary>
/// What Ceph's <c>md_config_t::_expand_meta</c> substitutes into a value: <c>$cluster</c>, <c>$type</c>,
/// <c>$id</c> (and its old name <c>$num</c>), <c>$name</c>, <c>$host</c>, <c>$pid</c>, <c>$home</c>, and
/// <c>$option</c> / <c>${option}</c> for another option's value, expanded in turn.
/// </summary>
/// <remarks>
/// Variable names are <c>[a-z_]+</c>. A <c>$</c> followed by anything else stays a <c>$</c>. An option
/// reference takes the value the same entity sees in the conf; when the conf does not set it, Ceph
/// uses its compiled-in default, of which we know only those in <see cref="Defaults"/>; any other name
/// stays as written (<c>$foo</c>), as Ceph leaves names that are not options. Unlike Ceph, we expand a
/// reference to any key the conf sets, option or not (Ceph leaves <c>$a</c> alone when <c>a</c> is not
/// one of its options). A reference loop stays as the <c>$name</c> that closes it. <c>$data_dir</c> and
/// <c>$cctid</c> stay as written (ceph-conf prints them so too).
/// </remarks>
public sealed record CephMetaVariables
{
    /// <summary>
    /// Ceph 16.2's compiled-in defaults of the options a value commonly refers to (checked against
    /// <c>ceph-conf -D</c>); <c>$keyring</c> gives Ceph's default keyring search list for the entity's
    /// type (<see cref="Keyring.DefaultSearchPathFor"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["run_dir"] = "/var/run/ceph",
        ["admin_socket"] = "$run_dir/$cluster-$name.asok",
        ["keyring"] = Keyring.DefaultSearchPath,
        ["mon_data"] = "/var/lib/ceph/mon/$cluster-$id",
        ["osd_data"] = "/var/lib/ceph/osd/$cluster-$id",
        ["mds_data"] = "/var/lib/ceph/mds/$cluster-$id",
        ["mgr_data"] = "/var/lib/ceph/mgr/$cluster-$id",
        ["mon_host"] = "",
        ["fsid"] = "00000000-0000-0000-0000-000000000000",
    };

    /// <summary>The cluster name (<c>$cluster</c>); Ceph's default is <c>ceph</c>.</summary>
    public string Cluster { get; init; } = "ceph";

    /// <summary>The host name for <c>$host</c>; null takes the machine's short host name, as Ceph does.</summary>
    public string? Host { get; init; }

    /// <summary>The process id for <c>$pid</c>; null takes this process's.</summary>
    public int? Pid { get; init; }

    /// <summary>The home directory for <c>$home</c>; null takes <c>HOME</c> from the environment.</summary>
    public string? Home { get; init; }

    /// <summary>
    /// The cluster Ceph infers from a conf file name when no <c>--cluster</c> is given: the name's part
    /// before <c>.conf</c> (<c>/etc/ceph/prod.conf</c> → <c>prod</c>), or <c>ceph</c> when it has none.
    /// </summary>
    public static string ClusterFromConfPath(string path)
    {
        string name = Path.GetFileName(path);
        int end = name.IndexOf(".conf", StringComparison.Ordinal);
        return end < 0 ? "ceph" : name[..end];
    }

    /// <summary>
    /// Expands <paramref name="value"/> for <paramref name="entity"/> (<c>type.id</c>); option references
    /// are looked up in <paramref name="conf"/> when given.
    /// </summary>
    public string Expand(string value, string entity, CephConf? conf = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(entity);
        return value.Contains('$', StringComparison.Ordinal) ? Expand(value, entity, conf, []) : value;
    }

    /// <summary>Expands the value of option <paramref name="key"/>, so a reference back to it stays <c>$key</c>.</summary>
    internal string ExpandOption(string key, string value, string entity, CephConf conf) =>
        value.Contains('$', StringComparison.Ordinal) ? Expand(value, entity, conf, [key]) : value;

    private string Expand(string str, string entity, CephConf? conf, List<string> stack)
    {
        var output = new StringBuilder(str.Length);
        int pos = str.IndexOf('$', StringComparison.Ordinal);
        int last = 0;
        while (pos >= 0)
        {
            output.Append(str, last, pos - last);
            string var = "";
            int end;
            if (pos + 1 < str.Length && str[pos + 1] == '{')
            {
                // ${name}; without its '}', Ceph drops the "{name" and leaves the '$'.
                end = EndOfName(str, pos + 2);
                if (end < str.Length && str[end] == '}')
                {
                    var = str[(pos + 2)..end];
                    end++;
                }
            }
            else
            {
                end = EndOfName(str, pos + 1);
                var = str[(pos + 1)..end];
            }

            last = end;
            if (var.Length == 0)
            {
                output.Append('$');
            }
            else
            {
                switch (var)
                {
                    case "type":
                        output.Append(TypeOf(entity));
                        break;
                    case "cluster":
                        output.Append(Cluster);
                        break;
                    case "name":
                        output.Append(entity);
                        break;
                    case "host":
                        output.Append(Host ?? ShortHostName());
                        break;
                    case "id" or "num":
                        output.Append(IdOf(entity));
                        break;
                    case "pid":
                        output.Append((Pid ?? Environment.ProcessId).ToString(CultureInfo.InvariantCulture));
                        break;
                    case "home":
                        // Ceph 16.2 assigns rather than appends here: what came before $home is lost.
                        output.Clear().Append(Home ?? Environment.GetEnvironmentVariable("HOME") ?? "");
                        break;
                    default:
                        AppendOption(output, str[pos..end], var, entity, conf, stack);
                        break;
                }
            }

            pos = last < str.Length ? str.IndexOf('$', last) : -1;
        }

        if (last < str.Length)
        {
            output.Append(str, last, str.Length - last);
        }

        return output.ToString();
    }

    private void AppendOption(StringBuilder output, string written, string var, string entity, CephConf? conf, List<string> stack)
    {
        string? referenced = var is "data_dir" or "cctid" ? null : conf?.GetRaw(entity, var)
            ?? (var == "keyring" ? Keyring.DefaultSearchPathFor(TypeOf(entity)) : Defaults.GetValueOrDefault(var));
        if (referenced is null)
        {
            output.Append(written);
        }
        else if (stack.Contains(var))
        {
            output.Append('$').Append(var);
        }
        else
        {
            stack.Add(var);
            output.Append(Expand(referenced, entity, conf, stack));
            stack.RemoveAt(stack.Count - 1);
        }
    }

    private static int EndOfName(string str, int from)
    {
        int i = from;
        while (i < str.Length && (str[i] is (>= 'a' and <= 'z') or '_'))
        {
            i++;
        }

        return i;
    }

    private static string TypeOf(string entity)
    {
        int dot = entity.IndexOf('.');
        return dot > 0 ? entity[..dot] : entity;
    }

    private static string IdOf(string entity)
    {
        int dot = entity.IndexOf('.');
        return dot > 0 ? entity[(dot + 1)..] : "";
    }

    private static string ShortHostName()
    {
        string host = Dns.GetHostName();
        int dot = host.IndexOf('.');
        return dot > 0 ? host[..dot] : host;
    }
}
