using System.Text;

namespace KestrelMessenger.Config;

/// <summary>
/// A ceph.conf as Ceph's <c>ConfFile</c> (src/common/ConfUtils.cc) reads it, with lookup by entity as
/// <c>md_config_t::get_my_sections</c> orders it: <c>[type.id]</c>, then <c>[type]</c>, then <c>[global]</c>.
/// </summary>
/// <remarks>
/// <para>The grammar, as Ceph's: <c>[section]</c> headers (the name kept exactly as written, so
/// <c>[ osd ]</c> is not <c>[osd]</c>); <c>key = value</c> lines; comments from an unescaped <c>#</c> or
/// <c>;</c> to the end of the line; a backslash before a line end joins the next line; a backslash
/// before any other character stands for that character (<c>\#</c>, <c>\"</c>, <c>\\</c>); a value in
/// double or single quotes keeps its comment-free text (a <c>#</c> or <c>;</c> inside quotes must be
/// escaped, as in Ceph). Keys are case-sensitive; surrounding whitespace is trimmed and inner runs of
/// whitespace become one <c>_</c> (<c>osd heartbeat grace</c> is <c>osd_heartbeat_grace</c>). Values are
/// trimmed, quoted ones too. A section may appear more than once (it merges) and a later line wins.</para>
/// <para>Where we differ from Ceph 16.2, we accept more: a last line without its newline (Ceph refuses
/// the file), and a line continuation inside quotes. Like Ceph, a file whose only content is one
/// <c>key = value</c> line puts it in <c>[global]</c>, and settings before the first header in any
/// other file are an error.</para>
/// </remarks>
public sealed class CephConf
{
    /// <summary>The largest file <see cref="Load"/> reads (Ceph allows 1 GiB; no real ceph.conf is near this).</summary>
    public const int MaxFileBytes = 16 << 20;

    private readonly Dictionary<string, Dictionary<string, string>> _sections = new(StringComparer.Ordinal);

    private CephConf(string source, string? path)
    {
        Source = source;
        FilePath = path;
    }

    /// <summary>What errors name this conf by: its path, or the source given to <see cref="Parse(string, string)"/>.</summary>
    public string Source { get; }

    /// <summary>The file it was loaded from, or null when parsed from text.</summary>
    public string? FilePath { get; }

    /// <summary>The section names, as written between the brackets.</summary>
    public IReadOnlyCollection<string> SectionNames => _sections.Keys;

    /// <summary>
    /// The cluster name Ceph gives a process that read this conf without <c>--cluster</c>: the file's
    /// name before <c>.conf</c> (<c>/etc/ceph/prod.conf</c> is <c>prod</c>), else <c>ceph</c>.
    /// </summary>
    public string DefaultCluster => FilePath is null ? "ceph" : CephMetaVariables.ClusterFromConfPath(FilePath);

    /// <summary>Reads <paramref name="path"/>; throws <see cref="CephConfigException"/> naming the line that does not parse.</summary>
    public static CephConf Load(string path)
    {
        string text = ReadText(path, MaxFileBytes);
        var conf = new CephConf(path, path);
        conf.ParseInto(text, quoteLines: true);
        return conf;
    }

    /// <summary>Parses ceph.conf text; <paramref name="source"/> names it in errors.</summary>
    public static CephConf Parse(string text, string source = "ceph.conf")
    {
        ArgumentNullException.ThrowIfNull(text);
        var conf = new CephConf(source, null);
        conf.ParseInto(text, quoteLines: true);
        return conf;
    }

    /// <summary>Parses ceph.conf lines (each without its line end); <paramref name="source"/> names it in errors.</summary>
    public static CephConf Parse(IEnumerable<string> lines, string source = "ceph.conf") =>
        Parse(string.Join('\n', lines) + "\n", source);

    /// <summary>
    /// Parses without quoting any line back in an error (for keyrings, whose lines hold secrets): errors
    /// then name only the source and line number.
    /// </summary>
    internal static CephConf ParseSecret(string text, string source)
    {
        var conf = new CephConf(source, null);
        conf.ParseInto(text, quoteLines: false);
        return conf;
    }

    /// <summary>Reads a UTF-8 text file of at most <paramref name="maxBytes"/> bytes, as Ceph insists on valid UTF-8.</summary>
    internal static string ReadText(string path, int maxBytes)
    {
        using FileStream stream = File.OpenRead(path);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw new CephConfigException($"{path}: is {stream.Length} bytes; at most {maxBytes} are read");
        }

        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        if (buffer.Length > maxBytes)
        {
            throw new CephConfigException($"{path}: is more than {maxBytes} bytes; at most {maxBytes} are read");
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                .GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new CephConfigException($"{path}: is not valid UTF-8");
        }
    }

    /// <summary>Ceph's key normalization: trimmed, inner whitespace runs become one underscore.</summary>
    public static string NormalizeKey(string key) =>
        string.Join('_', key.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// The sections <paramref name="entity"/> reads, highest priority first: <c>client.admin</c> reads
    /// <c>[client.admin]</c>, <c>[client]</c>, <c>[global]</c>.
    /// </summary>
    public static IReadOnlyList<string> SectionsFor(string entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        int dot = entity.IndexOf('.');
        return dot > 0 ? [entity, entity[..dot], "global"] : entity == "global" ? ["global"] : [entity, "global"];
    }

    /// <summary>The lines of section <paramref name="name"/> (normalized keys), or null when there is no such section.</summary>
    public IReadOnlyDictionary<string, string>? Section(string name) =>
        _sections.TryGetValue(name, out Dictionary<string, string>? section) ? section : null;

    /// <summary>The value <paramref name="entity"/> sees for <paramref name="key"/> as written, without expanding <c>$</c> variables.</summary>
    public string? GetRaw(string entity, string key)
    {
        string normalized = NormalizeKey(key);
        foreach (string name in SectionsFor(entity))
        {
            if (_sections.TryGetValue(name, out Dictionary<string, string>? section) && section.TryGetValue(normalized, out string? value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>
    /// The value <paramref name="entity"/> (<c>osd.3</c>, <c>client.admin</c>) sees for <paramref name="key"/>,
    /// with metavariables expanded as <c>ceph-conf -n ENTITY --lookup KEY</c> prints it; null when no
    /// section it reads sets the key. <paramref name="meta"/> defaults to this conf's
    /// <see cref="DefaultCluster"/> and the machine's host name.
    /// </summary>
    public string? Get(string entity, string key, CephMetaVariables? meta = null)
    {
        string? raw = GetRaw(entity, key);
        return raw is null ? null : (meta ?? new CephMetaVariables { Cluster = DefaultCluster }).ExpandOption(NormalizeKey(key), raw, entity, this);
    }

    /// <summary>
    /// Every setting <paramref name="entity"/> sees (the union of its sections, the higher one winning),
    /// expanded as <see cref="Get"/> does, by normalized key.
    /// </summary>
    public IReadOnlyDictionary<string, string> GetAll(string entity, CephMetaVariables? meta = null)
    {
        meta ??= new CephMetaVariables { Cluster = DefaultCluster };
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyList<string> sections = SectionsFor(entity);
        for (int i = sections.Count - 1; i >= 0; i--)
        {
            if (_sections.TryGetValue(sections[i], out Dictionary<string, string>? section))
            {
                foreach ((string key, string value) in section)
                {
                    result[key] = value;
                }
            }
        }

        foreach (string key in result.Keys.ToArray())
        {
            result[key] = meta.ExpandOption(key, result[key], entity, this);
        }

        return result;
    }

    private Dictionary<string, string> SectionNamed(string name)
    {
        if (!_sections.TryGetValue(name, out Dictionary<string, string>? section))
        {
            _sections[name] = section = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return section;
    }

    private void ParseInto(string text, bool quoteLines)
    {
        var parser = new Parser(text, Source, quoteLines);
        Dictionary<string, string>? section = null;
        (string Key, string Value, int Line)? beforeFirstHeader = null;
        bool anyOther = false;
        while (parser.NextEntry() is Parser.Entry entry)
        {
            if (entry.Section is string heading)
            {
                anyOther = true;
                section = SectionNamed(heading);
            }
            else if (section is not null)
            {
                section[entry.Key!] = entry.Value!;
            }
            else if (beforeFirstHeader is null && !anyOther)
            {
                beforeFirstHeader = (entry.Key!, entry.Value!, entry.Line);
            }
            else
            {
                anyOther = true;
            }

            if (beforeFirstHeader is not null && anyOther)
            {
                throw new CephConfigException($"{Source}:{beforeFirstHeader.Value.Line}: a setting comes before the first [section]");
            }
        }

        // Ceph's grammar takes a file of exactly one key = value line as that line in [global].
        if (beforeFirstHeader is (string key, string value, _))
        {
            SectionNamed("global")[key] = value;
        }
    }

    /// <summary>A scanner over the whole text: Ceph's grammar works on characters, not lines (continuations, escapes).</summary>
    private sealed class Parser(string text, string source, bool quoteLines)
    {
        private int _pos;
        private int _line = 1;

        internal readonly record struct Entry(int Line, string? Section, string? Key, string? Value);

        private enum Kind
        {
            End,
            Plain,
            Escaped,
        }

        public Entry? NextEntry()
        {
            while (true)
            {
                SkipBlanks();
                if (_pos >= text.Length)
                {
                    return null;
                }

                if (TryEol())
                {
                    continue;
                }

                char c = text[_pos];
                if (c is '#' or ';')
                {
                    SkipComment();
                    continue;
                }

                int line = _line;
                return c == '[' ? Heading(line) : KeyValue(line);
            }
        }

        private Entry Heading(int line)
        {
            int start = _pos;
            _pos++;
            var name = new StringBuilder();
            while (true)
            {
                Kind kind = Next(out char c);
                if (kind == Kind.End || (kind == Kind.Plain && c is '#' or ';'))
                {
                    throw Error(line, start, "section header has no closing ']'");
                }

                if (kind == Kind.Plain && c == ']')
                {
                    break;
                }

                name.Append(c);
            }

            if (name.Length == 0)
            {
                throw Error(line, start, "section header has no name");
            }

            EndOfLine(line, start, "after the section header");
            return new Entry(line, name.ToString(), null, null);
        }

        private Entry KeyValue(int line)
        {
            int start = _pos;
            var key = new StringBuilder();
            while (true)
            {
                int at = _pos;
                Kind kind = Next(out char c);
                if (kind == Kind.End || (kind == Kind.Plain && c is '[' or '#' or ';'))
                {
                    _pos = at;
                    throw Error(line, start, "is neither a [section] nor key = value");
                }

                if (kind == Kind.Plain && c == '=')
                {
                    break;
                }

                key.Append(c);
            }

            string normalized = NormalizeKey(key.ToString());
            if (normalized.Length == 0)
            {
                throw Error(line, start, "has no key before '='");
            }

            SkipBlanks();
            string value;
            if (_pos < text.Length && text[_pos] is '"' or '\'')
            {
                char quote = text[_pos++];
                var quoted = new StringBuilder();
                while (true)
                {
                    Kind kind = Next(out char c);
                    if (kind == Kind.End)
                    {
                        throw Error(line, start, $"has no closing {quote}");
                    }

                    if (kind == Kind.Plain && c == quote)
                    {
                        break;
                    }

                    if (kind == Kind.Plain && c is '#' or ';')
                    {
                        throw Error(line, start, $"has an unescaped '{c}' inside quotes (write \\{c})");
                    }

                    quoted.Append(c);
                }

                value = quoted.ToString();
                EndOfLine(line, start, "after the closing quote");
            }
            else
            {
                var plain = new StringBuilder();
                while (true)
                {
                    int at = _pos;
                    Kind kind = Next(out char c);
                    if (kind == Kind.End || (kind == Kind.Plain && c is '#' or ';'))
                    {
                        _pos = at;
                        break;
                    }

                    plain.Append(c);
                }

                value = plain.ToString();
                EndOfLine(line, start, "after the value");
            }

            // conf_line_t trims the value with isspace, quoted or not.
            return new Entry(line, null, normalized, value.Trim(' ', '\t', '\n', '\v', '\f', '\r'));
        }

        /// <summary>The next text character: End at a line end or the end of the text; backslash-newline is skipped.</summary>
        private Kind Next(out char c)
        {
            SkipContinuations();
            c = '\0';
            if (_pos >= text.Length || IsEolAt(_pos) > 0)
            {
                return Kind.End;
            }

            c = text[_pos++];
            if (c == '\\' && _pos < text.Length)
            {
                c = text[_pos++];
                return Kind.Escaped;
            }

            return Kind.Plain;
        }

        private void EndOfLine(int line, int start, string where)
        {
            SkipBlanks();
            if (_pos < text.Length && text[_pos] is '#' or ';')
            {
                SkipComment();
                return;
            }

            if (_pos < text.Length && !TryEol())
            {
                throw Error(line, start, $"has unexpected text {where}");
            }
        }

        private void SkipBlanks()
        {
            while (true)
            {
                SkipContinuations();
                if (_pos < text.Length && text[_pos] is ' ' or '\t')
                {
                    _pos++;
                }
                else
                {
                    return;
                }
            }
        }

        private void SkipContinuations()
        {
            while (_pos + 1 < text.Length && text[_pos] == '\\' && IsEolAt(_pos + 1) is int n and > 0)
            {
                _pos += 1 + n;
                _line++;
            }
        }

        private void SkipComment()
        {
            while (_pos < text.Length && IsEolAt(_pos) == 0)
            {
                _pos++;
            }

            TryEol();
        }

        private bool TryEol()
        {
            int n = IsEolAt(_pos);
            if (n == 0)
            {
                return false;
            }

            _pos += n;
            _line++;
            return true;
        }

        // Spirit's eol: "\r\n", "\r" or "\n".
        private int IsEolAt(int i) =>
            i >= text.Length ? 0
            : text[i] == '\n' ? 1
            : text[i] == '\r' ? (i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1)
            : 0;

        private CephConfigException Error(int line, int start, string what)
        {
            if (!quoteLines)
            {
                return new CephConfigException($"{source}:{line}: line {what}");
            }

            int end = start;
            while (end < text.Length && text[end] is not ('\n' or '\r'))
            {
                end++;
            }

            return new CephConfigException($"{source}:{line}: '{text[start..end].Trim()}' {what}");
        }
    }
}
