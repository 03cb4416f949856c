namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// One gate per object with ops in flight, so the ops on an object run one at a time and in the order
/// they arrived (Ceph orders them per PG and blocks reads behind an object's uncommitted write): a write
/// holds its object's gate while the replica applies it, and a read of that object waits for the
/// outcome rather than see data that may yet be refused. Gates exist only while ops use them, and are
/// reused, so an op on an idle object allocates nothing here. An op asks for its gate while it is
/// dispatched (so arrival order is kept); the first in gets it at once.
/// </summary>
public sealed class ObjectGates
{
    private const int MaxSpare = 64;
    private readonly Dictionary<ObjectId, Entry> _entries = [];
    private readonly Stack<Entry> _spare = new();

    /// <summary>
    /// Queues for <paramref name="id"/>'s gate: true with the lease at once when it is free; otherwise false,
    /// and <paramref name="wait"/> completes with the lease when the ops before this one are done.
    /// </summary>
    public bool TryEnter(ObjectId id, out Lease lease, out Task<Lease>? wait)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(id, out entry!))
            {
                entry = _spare.Count > 0 ? _spare.Pop() : new Entry();
                entry.Id = id;
                _entries[id] = entry;
            }

            entry.Users++;
        }

        // SemaphoreSlim hands the gate to waiters in the order they asked.
        if (entry.Gate.Wait(0))
        {
            lease = new Lease(this, entry);
            wait = null;
            return true;
        }

        lease = default;
        wait = WaitAsync(entry);
        return false;
    }

    private async Task<Lease> WaitAsync(Entry entry)
    {
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        return new Lease(this, entry);
    }

    private void Leave(Entry entry)
    {
        bool last;
        lock (_entries)
        {
            last = --entry.Users == 0;
            if (last)
            {
                _entries.Remove(entry.Id);
            }
        }

        entry.Gate.Release();
        if (last)
        {
            lock (_entries)
            {
                if (_spare.Count < MaxSpare)
                {
                    _spare.Push(entry);
                }
            }
        }
    }

    /// <summary>An open gate: disposing it lets the next op on the object in. Dispose it once.</summary>
    public readonly struct Lease(ObjectGates owner, ObjectGates.Entry entry) : IDisposable
    {
        public void Dispose() => owner?.Leave(entry);
    }

    /// <summary>One object's gate.</summary>
    public sealed class Entry
    {
        internal ObjectId Id { get; set; } = new(0, "", "", "");

        internal SemaphoreSlim Gate { get; } = new(1, 1);

        internal int Users { get; set; }
    }
}
