namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// One gate per object with ops in flight, so the ops on an object run one at a time and in the order
/// they arrived (Ceph orders them per PG and blocks reads behind an object's uncommitted write): a write
/// holds its object's gate while the replica applies it, and a read of that object waits for the
/// outcome rather than see data that may yet be refused. Gates exist only while ops use them. An op
/// asks for its gate while it is dispatched (so arrival order is kept); the first in gets it at once.
/// </summary>
public sealed class ObjectGates
{
    private readonly Dictionary<ObjectId, Entry> _entries = [];

    /// <summary>Objects with an op in flight or waiting.</summary>
    public int Busy
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Queues for <paramref name="id"/>'s gate; the task completes (at once when it is free) with the lease that opens it again.</summary>
    public Task<IDisposable> EnterAsync(ObjectId id)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(id, out entry!))
            {
                _entries[id] = entry = new Entry(this, id);
            }

            entry.Users++;
        }

        // SemaphoreSlim hands the gate to waiters in the order they asked.
        Task wait = entry.Gate.WaitAsync();
        return wait.IsCompletedSuccessfully ? Task.FromResult<IDisposable>(entry.Lease()) : Continue(wait, entry);
    }

    private static async Task<IDisposable> Continue(Task wait, Entry entry)
    {
        await wait.ConfigureAwait(false);
        return entry.Lease();
    }

    private void Leave(Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(entry.Id);
            }
        }

        entry.Gate.Release();
    }

    private sealed class Entry(ObjectGates owner, ObjectId id)
    {
        public ObjectId Id { get; } = id;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }

        public IDisposable Lease() => new LeaseOf(owner, this);
    }

    private sealed class LeaseOf(ObjectGates owner, Entry entry) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Leave(entry);
            }
        }
    }
}
