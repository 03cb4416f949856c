using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// What a connection's write loop has to send: messages by priority (highest first, FIFO within a
/// priority, as Ceph's <c>out_q</c>), plus keepalive, keepalive-ack and ack control frames.
/// Producers are any thread; the single consumer is the write loop.
/// </summary>
internal sealed class OutQueue
{
    private readonly object _lock = new();
    private readonly SortedDictionary<ushort, Queue<Message>> _messages = new(Comparer<ushort>.Create((a, b) => b.CompareTo(a)));
    private readonly List<UTime> _keepaliveAcks = [];
    private readonly List<UTime> _keepalives = [];
    private bool _ack;
    private bool _closed;
    private int _count;

    /// <summary>Messages waiting.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a message; false once closed.</summary>
    public bool Enqueue(Message message)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            if (!_messages.TryGetValue(message.Priority, out Queue<Message>? queue))
            {
                _messages[message.Priority] = queue = new Queue<Message>();
            }

            queue.Enqueue(message);
            _count++;
            return true;
        }
    }

    /// <summary>Asks for a KEEPALIVE2 stamped <paramref name="stamp"/>.</summary>
    public bool EnqueueKeepalive(UTime stamp) => Add(_keepalives, stamp);

    /// <summary>Asks for a KEEPALIVE2_ACK echoing <paramref name="stamp"/>.</summary>
    public bool EnqueueKeepaliveAck(UTime stamp) => Add(_keepaliveAcks, stamp);

    /// <summary>Asks for a stand-alone ACK (dropped if a message goes out first and carries it).</summary>
    public void RequestAck()
    {
        lock (_lock)
        {
            _ack = true;
        }
    }

    /// <summary>Takes everything waiting, control first, up to <paramref name="maxMessages"/> messages.</summary>
    public void Drain(List<UTime> keepaliveAcks, List<UTime> keepalives, List<Message> messages, int maxMessages, out bool ack)
    {
        lock (_lock)
        {
            keepaliveAcks.AddRange(_keepaliveAcks);
            _keepaliveAcks.Clear();
            keepalives.AddRange(_keepalives);
            _keepalives.Clear();
            while (messages.Count < maxMessages && _count > 0)
            {
                foreach ((ushort priority, Queue<Message> queue) in _messages)
                {
                    if (queue.Count > 0)
                    {
                        messages.Add(queue.Dequeue());
                        _count--;
                        break;
                    }
                }
            }

            ack = _ack && messages.Count == 0;
            _ack = false;
        }
    }

    /// <summary>Refuses further work and returns the messages never sent.</summary>
    public List<Message> Close()
    {
        lock (_lock)
        {
            _closed = true;
            var unsent = new List<Message>(_count);
            foreach (Queue<Message> queue in _messages.Values)
            {
                unsent.AddRange(queue);
                queue.Clear();
            }

            _count = 0;
            return unsent;
        }
    }

    private bool Add(List<UTime> list, UTime stamp)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            list.Add(stamp);
            return true;
        }
    }
}
