using System.Globalization;
using System.Text.Json;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>One OSD as the monitors' `osd dump` reports it.</summary>
public sealed record ClusterOsd(OsdInfo Addrs, bool Up, Guid Uuid, uint UpFrom)
{
    /// <summary>osd.N.</summary>
    public int Id => Addrs.Id;
}

/// <summary>The parts of `ceph osd dump -f json` this OSD uses: the epoch, each pool's pg_num, every OSD.</summary>
public sealed record OsdDump(uint Epoch, IReadOnlyDictionary<long, uint> PgNums, IReadOnlyList<ClusterOsd> Osds)
{
    /// <summary>Parses the monitor's JSON; throws <see cref="JsonException"/> or <see cref="FormatException"/> on anything else.</summary>
    public static OsdDump Parse(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        var pgNums = root.GetProperty("pools").EnumerateArray()
            .ToDictionary(p => p.GetProperty("pool").GetInt64(), p => p.GetProperty("pg_num").GetUInt32());
        var osds = root.GetProperty("osds").EnumerateArray().Select(o => new ClusterOsd(
            new OsdInfo(
                o.GetProperty("osd").GetInt32(),
                AddrVec(o.GetProperty("public_addrs")),
                AddrVec(o.GetProperty("cluster_addrs")),
                AddrVec(o.GetProperty("heartbeat_back_addrs")),
                AddrVec(o.GetProperty("heartbeat_front_addrs"))),
            o.GetProperty("up").GetInt32() == 1,
            Guid.TryParse(o.GetProperty("uuid").GetString(), out Guid uuid) ? uuid : Guid.Empty,
            o.GetProperty("up_from").GetUInt32())).ToList();
        return new OsdDump(root.GetProperty("epoch").GetUInt32(), pgNums, osds);
    }

    // {"addrvec":[{"type":"v2","addr":"127.0.0.1:6800","nonce":123}, …]}, in the osdmap's order. A
    // never-booted OSD has blank entries ("type":"none"), which name no address and are left out.
    private static EntityAddrVec AddrVec(JsonElement vec) => new(vec.GetProperty("addrvec").EnumerateArray()
        .Select(a => EntityAddr.TryParse(
            $"{a.GetProperty("type").GetString()}:{a.GetProperty("addr").GetString()}/{a.GetProperty("nonce").GetUInt32().ToString(CultureInfo.InvariantCulture)}",
            EntityAddrType.None, out EntityAddr? addr) && addr.Type != EntityAddrType.None ? addr : null)
        .OfType<EntityAddr>());
}

/// <summary>
/// What this OSD knows of the cluster's OSDs without decoding OSDMaps: the last `osd dump` its
/// MonClient fetched. Heartbeat peers and failure reports use it; replication does not (the sample
/// replicates only on its static map).
/// </summary>
public sealed class ClusterMap
{
    private volatile OsdDump _dump = new(0, new Dictionary<long, uint>(), []);

    /// <summary>The osdmap epoch of the last dump (0 before any).</summary>
    public uint Epoch => _dump.Epoch;

    /// <summary>Replaces the view with a newer dump (an older one is ignored).</summary>
    public void Update(OsdDump dump)
    {
        if (dump.Epoch >= _dump.Epoch)
        {
            _dump = dump;
        }
    }

    /// <summary>osd.<paramref name="id"/>, if the dump has it.</summary>
    public ClusterOsd? Get(int id) => _dump.Osds.FirstOrDefault(o => o.Id == id);

    /// <summary>The up OSDs <paramref name="self"/> heartbeats (see <see cref="HeartbeatPeerSelection"/>).</summary>
    public IReadOnlyList<OsdInfo> HeartbeatPeersOf(int self, int minPeers)
    {
        OsdDump dump = _dump;
        HashSet<int> chosen = [.. HeartbeatPeerSelection.Choose(self, dump.Osds.Where(o => o.Up).Select(o => o.Id), minPeers)];
        return [.. dump.Osds.Where(o => chosen.Contains(o.Id)).Select(o => o.Addrs)];
    }
}

/// <summary>
/// Ceph's <c>maybe_update_heartbeat_peers</c> without PGs (the sample holds none): the next and the
/// previous up OSD by id, then the following up OSDs, wrapping, until there are
/// <c>osd_heartbeat_min_peers</c>. In clusters of up to min_peers + 1 OSDs that is every up OSD, which
/// is also what a real OSD ends up with once its PG peers are added.
/// </summary>
public static class HeartbeatPeerSelection
{
    /// <summary>The ids <paramref name="self"/> heartbeats, ascending.</summary>
    public static IReadOnlyList<int> Choose(int self, IEnumerable<int> up, int minPeers)
    {
        int[] others = [.. up.Where(id => id != self).Distinct().Order()];
        if (others.Length == 0)
        {
            return [];
        }

        int start = Array.FindIndex(others, id => id > self);
        start = start < 0 ? 0 : start; // the next up OSD after us, wrapping
        int previous = (start - 1 + others.Length) % others.Length;
        var chosen = new SortedSet<int> { others[start], others[previous] };
        for (int i = 0; i < others.Length && chosen.Count < minPeers; i++)
        {
            chosen.Add(others[(start + i) % others.Length]);
        }

        return [.. chosen];
    }
}
