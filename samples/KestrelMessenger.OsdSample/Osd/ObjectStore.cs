using System.Collections.Concurrent;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>An object's bytes and metadata (guarded by the store's lock for its id).</summary>
public sealed class StoredObject
{
    /// <summary>The object's bytes; only the first <see cref="Size"/> are in use.</summary>
    public byte[] Data { get; set; } = [];

    /// <summary>Length in use.</summary>
    public int Size { get; set; }

    /// <summary>Last modification.</summary>
    public UTime MTime { get; set; }

    /// <summary>The newest snap context seq a write carried (Ceph's <c>SnapSet::seq</c>).</summary>
    public ulong SnapSeq { get; set; }
}

/// <summary>
/// What an op sees of an object: its bytes, mtime and snapset seq. <see cref="Data"/> aliases the
/// store's buffer, so it is valid only while the caller holds <see cref="ObjectStore.LockFor"/>.
/// </summary>
public sealed record ObjectView(ReadOnlyMemory<byte> Data, UTime MTime, ulong SnapSeq = 0)
{
    /// <summary>Object size in bytes.</summary>
    public ulong Size => (ulong)Data.Length;
}

/// <summary>
/// The sample's in-memory object store (Ceph's MemStore in spirit): objects keyed by their full
/// identity (<see cref="ObjectId"/>: pool, namespace, locator key, name). An op holds the lock for its
/// object's id while it reads the object, runs, and applies its transaction, so ops on one object are
/// serialised (as a PG lock does in Ceph) and every transaction is applied whole.
/// </summary>
public sealed class ObjectStore
{
    private const int Stripes = 64;
    private readonly ConcurrentDictionary<ObjectId, StoredObject> _objects = new();
    private readonly object[] _locks = [.. Enumerable.Range(0, Stripes).Select(_ => new object())];

    // Per pool, every object in Ceph's bitwise hobject_t order, so listing a PG from a cursor is a range view.
    private readonly ConcurrentDictionary<long, SortedSet<HObject>> _ordered = new();

    /// <summary>Objects stored.</summary>
    public int Count => _objects.Count;

    /// <summary>The lock to hold while reading <paramref name="id"/> and applying a transaction to it.</summary>
    public object LockFor(ObjectId id) => _locks[(id.GetHashCode() & int.MaxValue) % Stripes];

    /// <summary>The object as it is now, or null when absent (hold <see cref="LockFor"/> while using it).</summary>
    public ObjectView? Get(ObjectId id) =>
        _objects.TryGetValue(id, out StoredObject? o) ? new ObjectView(o.Data.AsMemory(0, o.Size), o.MTime, o.SnapSeq) : null;

    /// <summary>A copy of the object's bytes, or null when absent.</summary>
    public byte[]? Read(ObjectId id)
    {
        lock (LockFor(id))
        {
            return Get(id)?.Data.ToArray();
        }
    }

    /// <summary>Size and mtime, or null when absent.</summary>
    public (long Size, UTime MTime)? Stat(ObjectId id)
    {
        lock (LockFor(id))
        {
            return Get(id) is { } o ? ((long)o.Size, o.MTime) : null;
        }
    }

    /// <summary>
    /// Applies <paramref name="mutations"/> to <paramref name="id"/> in order, as one transaction, and
    /// stamps <paramref name="mtime"/> and the snapset seq <paramref name="snapSeq"/> on the result (Ceph sets the
    /// snapset seq to the write's snap context seq). The steps must be
    /// valid (<see cref="Mutation.IsValid"/>); the caller checks them first, so this cannot fail halfway.
    /// </summary>
    public void Apply(ObjectId id, IReadOnlyList<Mutation> mutations, UTime mtime, ulong snapSeq)
    {
        ArgumentNullException.ThrowIfNull(mutations);
        if (mutations.Any(m => !m.IsValid((ulong)Array.MaxLength)))
        {
            throw new ArgumentOutOfRangeException(nameof(mutations), "a mutation is malformed or beyond what memory can hold");
        }

        lock (LockFor(id))
        {
            bool existed = _objects.TryGetValue(id, out StoredObject? o);
            foreach (Mutation m in mutations)
            {
                if (m.Kind == MutationKind.Delete)
                {
                    o = null;
                    continue;
                }

                o ??= new StoredObject();
                ApplyTo(o, m);
            }

            if (o is null)
            {
                if (existed)
                {
                    _objects.TryRemove(id, out _);
                    Index(id, add: false);
                }

                return;
            }

            o.MTime = mtime;
            o.SnapSeq = snapSeq;
            if (!existed || !ReferenceEquals(_objects[id], o))
            {
                _objects[id] = o;
                Index(id, add: true);
            }
        }
    }

    private static void ApplyTo(StoredObject o, Mutation m)
    {
        switch (m.Kind)
        {
            case MutationKind.Write:
                Resize(o, Math.Max(o.Size, (int)m.Offset + m.Data.Length));
                m.Data.Span.CopyTo(o.Data.AsSpan((int)m.Offset));
                break;
            case MutationKind.WriteFull:
                o.Size = 0;
                Resize(o, m.Data.Length);
                m.Data.Span.CopyTo(o.Data);
                break;
            case MutationKind.Truncate:
                if ((int)m.Offset < o.Size)
                {
                    o.Size = (int)m.Offset;
                }
                else
                {
                    Resize(o, (int)m.Offset);
                }

                break;
            case MutationKind.Zero:
                if ((long)m.Offset < o.Size)
                {
                    o.Data.AsSpan((int)m.Offset, (int)Math.Min(m.Length, (ulong)(o.Size - (int)m.Offset))).Clear();
                }

                break;
        }
    }

    /// <summary>Grows <paramref name="o"/> to <paramref name="size"/> bytes; bytes past the old size read as zero.</summary>
    private static void Resize(StoredObject o, int size)
    {
        if (size > o.Data.Length)
        {
            byte[] grown = new byte[Math.Max(size, (int)Math.Min(o.Data.Length * 2L, Array.MaxLength))];
            o.Data.AsSpan(0, o.Size).CopyTo(grown);
            o.Data = grown;
        }
        else if (size > o.Size)
        {
            o.Data.AsSpan(o.Size, size - o.Size).Clear(); // bytes a truncate cut off must not come back
        }

        o.Size = Math.Max(o.Size, size);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> objects of <paramref name="pool"/> from <paramref name="from"/> (inclusive)
    /// to <paramref name="to"/> (exclusive) in bitwise order, and the first object past them (if any before <paramref name="to"/>).
    /// </summary>
    public (List<HObject> Objects, HObject? Next) List(long pool, HObject from, HObject to, int limit, Func<HObject, bool> include)
    {
        ArgumentNullException.ThrowIfNull(include);
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

    private void Index(ObjectId id, bool add)
    {
        SortedSet<HObject> ordered = _ordered.GetOrAdd(id.Pool, static _ => new SortedSet<HObject>(Comparer<HObject>.Create(HObject.Compare)));
        lock (ordered)
        {
            if (add)
            {
                ordered.Add(id.ToHObject());
            }
            else
            {
                ordered.Remove(id.ToHObject());
            }
        }
    }
}
