using KestrelMessenger.Diagnostics;
using KestrelMessenger.Messages;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Dispatch;

/// <summary>Connection events that travel through the dispatch queue.</summary>
internal enum DispatchEvent
{
    Connect,
    Accept,
    Reset,
    RemoteReset,
    Refused,
}

/// <summary>
/// Ceph's <c>DispatchQueue</c>: received messages wait here, highest priority first and in arrival
/// order within a priority (so each connection's order within a priority holds), for one dispatch
/// loop to hand them to the dispatcher chain. Connection events go in at the highest priority.
/// Queued bytes are throttled (<c>ms_dispatch_throttle_bytes</c>): read loops pause while full.
/// </summary>
internal sealed class DispatchQueue
{
    private readonly object _lock = new();
    private readonly SortedDictionary<ushort, Queue<Item>> _queues = new(Comparer<ushort>.Create((a, b) => b.CompareTo(a)));
    private readonly SemaphoreSlim _available = new(0);
    private readonly DispatcherChain _chain;
    private readonly long _throttleBytes;
    private TaskCompletionSource _room = NewRoom();
    private long _queuedBytes;
    private int _count;
    private bool _stopped;

    public DispatchQueue(DispatcherChain chain, long throttleBytes)
    {
        _chain = chain;
        _throttleBytes = throttleBytes;
        _room.TrySetResult();
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>False while the queued bytes are at or over the throttle.</summary>
    public bool HasRoom => Interlocked.Read(ref _queuedBytes) < _throttleBytes;

    public void Enqueue(Message message) => Add(message.Priority, new Item(message, null, default), Size(message));

    public void Enqueue(DispatchEvent kind, IConnection connection) => Add(MessagePriority.Highest, new Item(null, connection, kind), 0);

    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        Task room;
        lock (_lock)
        {
            room = _room.Task;
        }

        return room.IsCompleted ? ValueTask.CompletedTask : new ValueTask(room.WaitAsync(cancellationToken));
    }

    /// <summary>Dispatches until <see cref="Stop"/>, then drains what is left (nothing accepted is lost).</summary>
    public async Task RunAsync()
    {
        while (true)
        {
            await _available.WaitAsync();
            Item item;
            long size;
            lock (_lock)
            {
                if (_count == 0)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    continue;
                }

                item = TakeHighest();
                size = item.Message is null ? 0 : Size(item.Message);
                _count--;
                _queuedBytes -= size;
                if (_queuedBytes < _throttleBytes)
                {
                    _room.TrySetResult();
                }
            }

            if (item.Message is not null)
            {
                await _chain.DispatchAsync(item.Message);
            }
            else
            {
                _chain.Notify(item.Kind, item.Connection!);
            }
        }
    }

    /// <summary>
    /// Drops the messages from <paramref name="connection"/> still waiting for dispatch (Ceph's
    /// <c>discard_queue</c>, when the peer reset the session); its connection events stay. Returns how many.
    /// </summary>
    public int Discard(IConnection connection)
    {
        var dropped = new List<Message>();
        lock (_lock)
        {
            foreach (Queue<Item> queue in _queues.Values)
            {
                int n = queue.Count;
                for (int i = 0; i < n; i++)
                {
                    Item item = queue.Dequeue();
                    if (item.Message is { } m && ReferenceEquals(m.Connection, connection))
                    {
                        dropped.Add(m);
                        _count--;
                        _queuedBytes -= Size(m);
                        continue;
                    }

                    queue.Enqueue(item);
                }
            }

            if (_queuedBytes < _throttleBytes)
            {
                _room.TrySetResult();
            }
        }

        // The dispatch loop may wake for items no longer there; it checks the count and waits again.
        dropped.ForEach(m => m.Dispose());
        return dropped.Count;
    }

    /// <summary>Lets the loop finish once the queue is empty.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _available.Release();
    }

    private void Add(ushort priority, Item item, long size)
    {
        lock (_lock)
        {
            if (!_queues.TryGetValue(priority, out Queue<Item>? queue))
            {
                _queues[priority] = queue = new Queue<Item>();
            }

            queue.Enqueue(item);
            _count++;
            _queuedBytes += size;
            if (_queuedBytes >= _throttleBytes && _room.Task.IsCompleted)
            {
                _room = NewRoom();
            }
        }

        _available.Release();
    }

    private Item TakeHighest()
    {
        foreach (Queue<Item> queue in _queues.Values)
        {
            if (queue.Count > 0)
            {
                return queue.Dequeue();
            }
        }

        throw new InvalidOperationException("dispatch queue count and contents disagree");
    }

    private static long Size(Message m) => m.Front.Length + m.Middle.Length + m.Data.Length + 64;

    private static TaskCompletionSource NewRoom() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct Item(Message? Message, IConnection? Connection, DispatchEvent Kind);
}
