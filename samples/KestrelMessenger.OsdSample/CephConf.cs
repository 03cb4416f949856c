namespace KestrelMessenger.OsdSample;

/// <summary>Reads the [global] section of a ceph.conf (INI; Ceph treats '_' and ' ' in keys alike).</summary>
internal static class CephConf
{
    public static Dictionary<string, string> Global(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string section = "global";
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Split('#', ';')[0].Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim();
            }
            else if (section == "global" && line.IndexOf('=') is int eq and > 0)
            {
                values[line[..eq].Trim().Replace(' ', '_')] = line[(eq + 1)..].Trim();
            }
        }

        return values;
    }
}
