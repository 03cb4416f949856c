using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// Reads a Ceph keyring file (the INI form <c>ceph-authtool</c> writes: <c>[client.admin]</c> sections
/// with <c>key = AQ…==</c> lines; caps lines are ignored).
/// </summary>
public static class CephKeyring
{
    /// <summary>The keys in <paramref name="text"/>, by entity name.</summary>
    /// <exception cref="FormatException">A section name is not an auth name, or a key does not decode.</exception>
    public static Dictionary<AuthEntityName, CryptoKey> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var keys = new Dictionary<AuthEntityName, CryptoKey>();
        AuthEntityName? section = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                section = AuthEntityName.Parse(line[1..^1].Trim());
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section is AuthEntityName name && equals > 0 && line[..equals].Trim() == "key")
            {
                keys[name] = CryptoKey.FromBase64(line[(equals + 1)..].Trim());
            }
        }

        return keys;
    }

    /// <summary>Reads the keyring at <paramref name="path"/>.</summary>
    public static Dictionary<AuthEntityName, CryptoKey> Load(string path) => Parse(File.ReadAllText(path));
}
