using System.Threading.Channels;

namespace KestrelMessenger.Connections;

/// <summary>How much one connection may hold before its read loop pauses.</summary>
/// <param name="InFlightMessages">Received messages not yet released by dispatch (Ceph's <c>osd_client_message_cap</c>, per connection).</param>
/// <param name="InFlightBytes">Their bytes (Ceph's <c>osd_client_message_size_cap</c>, per connection).</param>
/// <param name="OutQueueMessages">Messages queued to send and not yet written to the transport.</param>
/// <param name="OutQueueBytes">Their bytes.</param>
/// <param name="BoundOutQueue">Whether a full out-queue pauses reading (see <see cref="ConnectionThrottle"/>).</param>
internal readonly record struct ThrottleLimits(int InFlightMessages, long InFlightBytes, int OutQueueMessages, long OutQueueBytes, bool BoundOutQueue);

/// <summary>
/// Per-connection back-pressure: the read loop takes no new frame while the connection holds too many
/// received messages that dispatch has not released, or (on connections we accepted) too much queued to
/// send. A peer that sends requests and never reads the replies thus stops being read, and only it: other
/// connections keep their own budgets. Only the accepting side pauses for its out-queue, never the
/// connecting side: if both ends paused reading because their own sends were stuck, two such peers could
/// each wait for the other forever; with one pausing end per connection the other always drains it.
/// </summary>
internal sealed class ConnectionThrottle(ThrottleLimits limits, OutQueue queue)
{
    private ThrottleLimits _limits = limits;

    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private int _inFlight;
    private long _inFlightBytes;
    private volatile bool _readerWaiting;

    /// <summary>Received messages held by dispatch now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most received messages ever held at once.</summary>
    public int PeakInFlight { get; private set; }

    /// <summary>The limits: set per socket, since only a socket we accepted bounds the out-queue.</summary>
    public ThrottleLimits Limits
    {
        get => _limits;
        set
        {
            _limits = value;
            Changed();
        }
    }

    /// <summary>True when the read loop may take another frame.</summary>
    public bool HasRoom => HasInFlightRoom && !OutQueueFull;

    /// <summary>
    /// True while the read loop is parked. It stays parked until something it waits on moves: a message
    /// released by dispatch, or a flush that completed because the peer read.
    /// </summary>
    public bool IsParked => _readerWaiting;

    private bool HasInFlightRoom =>
        Volatile.Read(ref _inFlight) < _limits.InFlightMessages && Interlocked.Read(ref _inFlightBytes) < _limits.InFlightBytes;

    private bool OutQueueFull => _limits.BoundOutQueue && (queue.Count >= _limits.OutQueueMessages || queue.Bytes >= _limits.OutQueueBytes);

    /// <summary>A received message of <paramref name="bytes"/> goes to dispatch.</summary>
    public void Acquire(long bytes)
    {
        int count = Interlocked.Increment(ref _inFlight);
        Interlocked.Add(ref _inFlightBytes, bytes);
        if (count > PeakInFlight)
        {
            PeakInFlight = count;
        }
    }

    /// <summary>Dispatch is done with a message taken by <see cref="Acquire"/>.</summary>
    public void Release(long bytes)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Add(ref _inFlightBytes, -bytes);
        Changed();
    }

    /// <summary>Something the throttle looks at went down (the writer drained): wake a paused reader.</summary>
    public void Changed()
    {
        if (_readerWaiting)
        {
            _changed.Writer.TryWrite(true);
        }
    }

    /// <summary>Completes once <see cref="HasRoom"/> holds.</summary>
    public async ValueTask WaitForRoomAsync(CancellationToken ct)
    {
        while (!HasRoom)
        {
            _readerWaiting = true;
            try
            {
                // Checked again after announcing the wait: a release between the two is not lost.
                if (HasRoom)
                {
                    return;
                }

                await _changed.Reader.ReadAsync(ct);
            }
            finally
            {
                _readerWaiting = false;
            }
        }
    }
}
