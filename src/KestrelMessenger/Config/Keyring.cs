using KestrelMessenger.Protocol.Auth.Cephx;
using System.Globalization;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Config;

/// <summary>One entity's entry in a <see cref="Keyring"/>: its key, its caps and (old keyrings) its auid.</summary>
public sealed class KeyringEntry
{
    internal KeyringEntry(AuthEntityName name) => Name = name;

    /// <summary>Whose entry this is (<c>client.admin</c>).</summary>
    public AuthEntityName Name { get; }

    /// <summary>The key, or null when the entry has only caps.</summary>
    public CryptoKey? Key { get; internal set; }

    /// <summary>The caps by service (<c>mon</c> → <c>allow *</c>), as <c>caps mon = "allow *"</c> lines give them.</summary>
    public IReadOnlyDictionary<string, string> Caps => CapsMap;

    /// <summary>The <c>auid</c> line's value, when there is one (pre-Nautilus keyrings).</summary>
    public ulong? Auid { get; internal set; }

    internal Dictionary<string, string> CapsMap { get; } = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({(Key is null ? "no key" : "key")}, caps {string.Join(",", CapsMap.Keys)})";
}

/// <summary>
/// A Ceph keyring (src/auth/KeyRing.cc): ceph.conf syntax with one section per entity, each with
/// <c>key = AQ…==</c>, optional <c>caps SERVICE = "…"</c> lines and an optional <c>auid</c>; a
/// <c>[global]</c> section is ignored. Also Ceph's other ways of giving a key: the <c>key</c> option
/// (base64 on the command line, <see cref="FromKey"/>) and the <c>keyfile</c> option (a file holding
/// only the base64, <see cref="LoadKeyFile"/>). Errors never contain key material.
/// </summary>
/// <remarks>Ceph also reads an old binary keyring encoding (<c>keyring.bin</c>); that form is not read here.</remarks>
public sealed class Keyring
{
    /// <summary>Ceph 16.2's default <c>keyring</c> option: the files tried in order, before metavariable expansion.</summary>
    public const string DefaultSearchPath = "/etc/ceph/$cluster.$name.keyring,/etc/ceph/$cluster.keyring,/etc/ceph/keyring,/etc/ceph/keyring.bin,";

    /// <summary>
    /// The default <c>keyring</c> for an entity of <paramref name="type"/> (<c>osd</c>): Ceph 16.2 gives
    /// OSDs and MDSs the keyring in their data directory and everyone else <see cref="DefaultSearchPath"/>.
    /// </summary>
    public static string DefaultSearchPathFor(string type) => type is "osd" or "mds" ? $"${type}_data/keyring" : DefaultSearchPath;

    /// <summary>The largest keyring or key file read.</summary>
    public const int MaxFileBytes = 1 << 20;

    private readonly Dictionary<AuthEntityName, KeyringEntry> _entries = [];

    /// <summary>The file it was read from, or null.</summary>
    public string? FilePath { get; private init; }

    /// <summary>Every entry, by entity name.</summary>
    public IReadOnlyDictionary<AuthEntityName, KeyringEntry> Entries => _entries;

    /// <summary>The entry for <paramref name="name"/>, or null.</summary>
    public KeyringEntry? this[AuthEntityName name] => _entries.GetValueOrDefault(name);

    /// <summary>The entry for <paramref name="name"/> (<c>client.admin</c>), or null.</summary>
    public KeyringEntry? Find(string name) => _entries.GetValueOrDefault(AuthEntityName.Parse(name));

    /// <summary>Reads a keyring file; throws <see cref="CephConfigException"/> naming the line (never quoting it).</summary>
    public static Keyring Load(string path)
    {
        Keyring keyring = Parse(CephConf.ReadText(path, MaxFileBytes), path);
        return new Keyring { FilePath = path }.Merge(keyring);
    }

    /// <summary>Parses keyring text; <paramref name="source"/> names it in errors.</summary>
    public static Keyring Parse(string text, string source = "keyring")
    {
        CephConf conf = CephConf.ParseSecret(text, source);
        var keyring = new Keyring();
        foreach (string section in conf.SectionNames)
        {
            if (section == "global")
            {
                continue;
            }

            if (!TryParseName(section, out AuthEntityName name))
            {
                throw new CephConfigException($"{source}: [{section}] is not an entity name (TYPE.ID, TYPE one of auth, mon, osd, mds, mgr, client)");
            }

            KeyringEntry entry = keyring.EntryFor(name);
            foreach ((string key, string value) in conf.Section(section)!)
            {
                // KeyRing::decode_plaintext turns the normalized key's '_' back into ' '.
                string modifier = key.Replace('_', ' ');
                if (modifier == "key")
                {
                    entry.Key = ParseKey(value, $"{source}: [{section}] key");
                }
                else if (modifier.StartsWith("caps ", StringComparison.Ordinal) && modifier.Length > 5)
                {
                    entry.CapsMap[modifier[5..]] = value;
                }
                else if (modifier == "auid")
                {
                    entry.Auid = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong auid)
                        ? auid
                        : throw new CephConfigException($"{source}: [{section}] auid is not a number");
                }
                else
                {
                    throw new CephConfigException($"{source}: [{section}] has '{modifier}', which is not key, caps SERVICE or auid");
                }
            }
        }

        return keyring;
    }

    /// <summary>A keyring of one key given as base64, as Ceph's <c>key</c> option (<c>--key</c>) gives it.</summary>
    public static Keyring FromKey(AuthEntityName name, string base64)
    {
        var keyring = new Keyring();
        keyring.EntryFor(name).Key = ParseKey(base64, $"the key for {name}");
        return keyring;
    }

    /// <summary>A keyring of one key read from a file holding only its base64, as Ceph's <c>keyfile</c> option reads it.</summary>
    public static Keyring LoadKeyFile(AuthEntityName name, string path)
    {
        var keyring = new Keyring { FilePath = path };
        keyring.EntryFor(name).Key = ParseKey(CephConf.ReadText(path, MaxFileBytes), $"{path}");
        return keyring;
    }

    /// <summary>
    /// Ceph's <c>ceph_resolve_file_search</c>: the first file in <paramref name="searchList"/> (separated
    /// by commas, semicolons, spaces or tabs, as <c>get_str_list</c> splits) that can be opened for reading, or null.
    /// </summary>
    public static string? ResolveFileSearch(string searchList)
    {
        foreach (string candidate in searchList.Split([',', ';', '=', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using FileStream _ = File.OpenRead(candidate);
                return candidate;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not this one
            }
        }

        return null;
    }

    /// <summary>Adds (replacing) every entry of <paramref name="other"/>, as <c>KeyRing::import</c> does.</summary>
    public Keyring Merge(Keyring other)
    {
        foreach ((AuthEntityName name, KeyringEntry entry) in other._entries)
        {
            _entries[name] = entry;
        }

        return this;
    }

    /// <inheritdoc />
    public override string ToString() => $"Keyring({_entries.Count} entities{(FilePath is null ? "" : $" from {FilePath}")})";

    private KeyringEntry EntryFor(AuthEntityName name)
    {
        if (!_entries.TryGetValue(name, out KeyringEntry? entry))
        {
            _entries[name] = entry = new KeyringEntry(name);
        }

        return entry;
    }

    internal static bool TryParseName(string text, out AuthEntityName name)
    {
        name = default;
        int dot = text.IndexOf('.');
        if (dot <= 0 || !EntityTypes.TryParse(text.AsSpan(0, dot), out EntityType type))
        {
            return false;
        }

        name = new AuthEntityName(type, text[(dot + 1)..]);
        return true;
    }

    /// <summary>A key from its base64 text; <paramref name="what"/> names where it came from in the error (never the key).</summary>
    internal static CryptoKey ParseKey(string text, string what)
    {
        try
        {
            return CryptoKey.FromBase64(text);
        }
        catch (FormatException e)
        {
            throw new CephConfigException($"{what}: {e.Message}");
        }
    }
}
