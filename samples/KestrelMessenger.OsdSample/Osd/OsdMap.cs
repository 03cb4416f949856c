using System.Collections.Concurrent;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Where one OSD can be reached: the four bound addresses an OSDMap records for it.</summary>
public sealed record OsdInfo(int Id, EntityAddrVec Public, EntityAddrVec Cluster, EntityAddrVec HeartbeatBack, EntityAddrVec HeartbeatFront);

/// <summary>
/// The sample's stand-in for the OSDMap: the peers this OSD heartbeats and replicates to. A real OSD
/// learns it from the monitors; here it is static configuration, or filled in by the in-process demo
/// once every OSD has bound its ports.
/// </summary>
public sealed class OsdMap
{
    private readonly ConcurrentDictionary<int, OsdInfo> _osds = new();

    /// <summary>Adds or replaces an OSD's addresses.</summary>
    public void Set(OsdInfo osd) => _osds[osd.Id] = osd;

    /// <summary>The OSD with <paramref name="id"/>, if the map has it.</summary>
    public OsdInfo? Get(int id) => _osds.TryGetValue(id, out OsdInfo? osd) ? osd : null;

    /// <summary>Every OSD, by id.</summary>
    public IReadOnlyList<OsdInfo> All => [.. _osds.Values.OrderBy(o => o.Id)];

    /// <summary>The OSDs other than <paramref name="self"/>.</summary>
    public IReadOnlyList<OsdInfo> PeersOf(int self) => [.. All.Where(o => o.Id != self)];

    /// <summary>The replica of a write that <paramref name="primary"/> applied: the next OSD by id, wrapping (none when alone).</summary>
    public OsdInfo? ReplicaOf(int primary)
    {
        IReadOnlyList<OsdInfo> all = All;
        if (all.Count < 2)
        {
            return null;
        }

        int at = all.ToList().FindIndex(o => o.Id == primary);
        return all[(at + 1) % all.Count];
    }

    /// <summary>The primary for an object: a stable hash of its name over the OSDs (a tiny CRUSH).</summary>
    public OsdInfo PrimaryFor(string objectName)
    {
        IReadOnlyList<OsdInfo> all = All;
        uint hash = 2166136261;
        foreach (char c in objectName)
        {
            hash = (hash ^ c) * 16777619;
        }

        return all[(int)(hash % (uint)all.Count)];
    }
}
