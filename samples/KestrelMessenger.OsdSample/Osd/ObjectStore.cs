using System.Collections.Concurrent;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>An object's bytes and its modification time.</summary>
public sealed class StoredObject
{
    /// <summary>The object's bytes (guarded by locking the object).</summary>
    public byte[] Data { get; set; } = [];

    /// <summary>Length in use (<see cref="Data"/> may be longer).</summary>
    public long Size { get; set; }

    /// <summary>Last modification.</summary>
    public UTime MTime { get; set; }
}

/// <summary>
/// The sample's in-memory object store (Ceph's MemStore in spirit): objects keyed by pool, namespace
/// and name. Each object is locked while it is read or written.
/// </summary>
public sealed class ObjectStore
{
    private readonly ConcurrentDictionary<(long Pool, string Namespace, string Name), StoredObject> _objects = new();

    // Per pool, every object in Ceph's bitwise hobject_t order, so listing a PG from a cursor is a range view.
    private readonly ConcurrentDictionary<long, SortedSet<HObject>> _ordered = new();

    /// <summary>Objects stored.</summary>
    public int Count => _objects.Count;

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>, creating the object (Ceph's WRITE).</summary>
    public void Write(long pool, string ns, string name, long offset, ReadOnlySpan<byte> data, bool truncate = false)
    {
        StoredObject o = _objects.GetOrAdd((pool, ns, name), _ => Created(pool, ns, name));
        lock (o)
        {
            long end = offset + data.Length;
            if (truncate)
            {
                o.Size = 0;
            }

            if (end > o.Data.Length)
            {
                byte[] grown = new byte[Math.Max(end, o.Data.Length * 2)];
                o.Data.AsSpan(0, (int)Math.Min(o.Size, o.Data.Length)).CopyTo(grown);
                o.Data = grown;
            }

            if (offset > o.Size)
            {
                o.Data.AsSpan((int)o.Size, (int)(offset - o.Size)).Clear();
            }

            data.CopyTo(o.Data.AsSpan((int)offset));
            o.Size = truncate ? end : Math.Max(o.Size, end);
            o.MTime = UTime.Now;
        }
    }

    /// <summary>Replaces the whole object (Ceph's WRITEFULL).</summary>
    public void WriteFull(long pool, string ns, string name, ReadOnlySpan<byte> data) => Write(pool, ns, name, 0, data, truncate: true);

    /// <summary>Reads up to <paramref name="length"/> bytes at <paramref name="offset"/> (0 = to the end); null when absent.</summary>
    public byte[]? Read(long pool, string ns, string name, long offset, long length)
    {
        if (!_objects.TryGetValue((pool, ns, name), out StoredObject? o))
        {
            return null;
        }

        lock (o)
        {
            if (offset >= o.Size)
            {
                return [];
            }

            long n = length == 0 ? o.Size - offset : Math.Min(length, o.Size - offset);
            return o.Data.AsSpan((int)offset, (int)n).ToArray();
        }
    }

    /// <summary>Size and mtime, or null when absent.</summary>
    public (long Size, UTime MTime)? Stat(long pool, string ns, string name)
    {
        if (!_objects.TryGetValue((pool, ns, name), out StoredObject? o))
        {
            return null;
        }

        lock (o)
        {
            return (o.Size, o.MTime);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> objects of <paramref name="pool"/> from <paramref name="from"/> (inclusive)
    /// to <paramref name="to"/> (exclusive) in bitwise order, and the first object past them (if any before <paramref name="to"/>).
    /// </summary>
    public (List<HObject> Objects, HObject? Next) List(long pool, HObject from, HObject to, int limit, Func<HObject, bool> include)
    {
        var found = new List<HObject>(Math.Min(limit, 1024));
        if (!_ordered.TryGetValue(pool, out SortedSet<HObject>? ordered))
        {
            return (found, null);
        }

        lock (ordered)
        {
            if (HObject.Compare(from, to) >= 0)
            {
                return (found, null);
            }

            foreach (HObject o in ordered.GetViewBetween(from, to))
            {
                if (HObject.Compare(o, to) >= 0)
                {
                    break;
                }

                if (!include(o))
                {
                    continue;
                }

                if (found.Count == limit)
                {
                    return (found, o);
                }

                found.Add(o);
            }
        }

        return (found, null);
    }

    /// <summary>Removes the object; false when it did not exist.</summary>
    public bool Delete(long pool, string ns, string name)
    {
        if (!_objects.TryRemove((pool, ns, name), out _))
        {
            return false;
        }

        SortedSet<HObject> ordered = Ordered(pool);
        lock (ordered)
        {
            ordered.Remove(Key(pool, ns, name));
        }

        return true;
    }

    private StoredObject Created(long pool, string ns, string name)
    {
        SortedSet<HObject> ordered = Ordered(pool);
        lock (ordered)
        {
            ordered.Add(Key(pool, ns, name));
        }

        return new StoredObject();
    }

    private SortedSet<HObject> Ordered(long pool) =>
        _ordered.GetOrAdd(pool, static _ => new SortedSet<HObject>(Comparer<HObject>.Create(HObject.Compare)));

    private static HObject Key(long pool, string ns, string name) =>
        new(pool, Placement.ObjectHash(ns, "", name), ns, "", name, HObject.NoSnap, false);
}
