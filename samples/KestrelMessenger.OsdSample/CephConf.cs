namespace KestrelMessenger.OsdSample;

/// <summary>
/// A ceph.conf as Ceph's ConfFile reads it: <c>[section]</c> headers, <c>key = value</c> lines,
/// comments after <c>#</c> or <c>;</c>, a trailing backslash continuing a line, double quotes around a
/// value dropped. Keys are case-sensitive; surrounding whitespace is trimmed and inner runs of
/// whitespace become one <c>_</c> ("osd heartbeat grace" is <c>osd_heartbeat_grace</c>). A section
/// may appear more than once (it merges), and a later line wins over an earlier one.
/// </summary>
public sealed class CephConf
{
    private readonly Dictionary<string, Dictionary<string, string>> _sections = new(StringComparer.Ordinal);

    private CephConf()
    {
    }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="Osd.OsdConfigException"/> naming the line that does not parse.</summary>
    public static CephConf Load(string path) => Parse(File.ReadLines(path), path);

    /// <summary>Parses ceph.conf text; <paramref name="source"/> names it in errors.</summary>
    public static CephConf Parse(IEnumerable<string> lines, string source = "ceph.conf")
    {
        var conf = new CephConf();
        Dictionary<string, string>? section = null;
        string pending = "";
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = pending + raw;
            if (line.EndsWith('\\'))
            {
                pending = line[..^1];
                continue;
            }

            pending = "";
            string text = StripComment(line).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text.StartsWith('['))
            {
                if (!text.EndsWith(']'))
                {
                    throw new Osd.OsdConfigException($"{source}:{number}: section header '{text}' has no closing ']'");
                }

                // Ceph keeps the name as written between the brackets ("[ osd ]" is not [osd]).
                section = conf.Section(text[1..^1]);
                continue;
            }

            int eq = text.IndexOf('=');
            if (eq <= 0)
            {
                throw new Osd.OsdConfigException($"{source}:{number}: '{text}' is neither a [section] nor key = value");
            }

            // Ceph reads lines before the first header into a nameless section no daemon looks at.
            section ??= conf.Section("");
            section[NormalizeKey(text[..eq])] = Unquote(text[(eq + 1)..].Trim());
        }

        return conf;
    }

    private Dictionary<string, string> Section(string name)
    {
        if (!_sections.TryGetValue(name, out Dictionary<string, string>? section))
        {
            _sections[name] = section = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return section;
    }

    /// <summary>Ceph's key normalization: trimmed, inner whitespace runs become one underscore.</summary>
    public static string NormalizeKey(string key) =>
        string.Join('_', key.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// The value <paramref name="entity"/> (<c>osd.3</c>) sees for <paramref name="key"/>: its own
    /// section, then its type's (<c>[osd]</c>), then <c>[global]</c>, as Ceph's get_my_sections orders them.
    /// </summary>
    public string? Get(string entity, string key)
    {
        string normalized = NormalizeKey(key);
        foreach (string name in SectionsOf(entity))
        {
            if (_sections.TryGetValue(name, out Dictionary<string, string>? section) && section.TryGetValue(normalized, out string? value))
            {
                return value;
            }
        }

        return null;
    }

    private static IEnumerable<string> SectionsOf(string entity)
    {
        yield return entity;
        int dot = entity.IndexOf('.');
        if (dot > 0)
        {
            yield return entity[..dot];
        }

        yield return "global";
    }

    private static string StripComment(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '#' or ';')
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
}
