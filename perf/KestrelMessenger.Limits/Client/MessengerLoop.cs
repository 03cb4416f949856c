using System.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// One client messenger's only connection in a closed loop, as its dispatcher: each reply (or, one way,
/// each ack) is timed and sends the next request from the fast-dispatch path. Request t keeps its send
/// time in slot t % K, which the reply to t frees for t + K. Stats replies complete the pending query.
/// </summary>
internal sealed class MessengerLoop(DriveOptions options, MessageBuffer payload, LoadWindow window) : IDispatcher
{
    private readonly long[] _sentAt = new long[options.Inflight];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<ServerSnapshot>? _stats;
    private IConnection? _connection;
    private ulong _nextTid;
    private int _outstanding;

    public LoopRecorder Recorder { get; } = new(window);

    public IConnection Connection => _connection ?? throw new InvalidOperationException("not connected yet");

    public Task Connected => _connected.Task;

    public Task<string> Failed => _failed.Task;

    public Task Drained => _drained.Task;

    private ushort RequestType => options.OneWay ? LimitsMessages.Bulk : LimitsMessages.Request;

    private ushort AnswerType => options.OneWay ? LimitsMessages.Ack : LimitsMessages.Reply;

    /// <summary>The connection ConnectTo gave (messages sent before READY would queue; the driver waits for <see cref="Connected"/> first).</summary>
    public void Attach(IConnection connection) => _connection = connection;

    /// <summary>Closes the connection, if there is one (Ceph's mark_down).</summary>
    public void Close() => _connection?.MarkDown();

    /// <summary>Puts K requests in flight.</summary>
    public void Start()
    {
        _outstanding = options.Inflight;
        for (int i = 0; i < options.Inflight; i++)
        {
            SendNext();
        }
    }

    public Task<ServerSnapshot> QueryAsync()
    {
        var stats = new TaskCompletionSource<ServerSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stats, stats, null) is not null)
        {
            throw new InvalidOperationException("one stats query at a time");
        }

        Connection.SendMessage(new Message(LimitsMessages.StatsQuery));
        return stats.Task;
    }

    public bool CanFastDispatch(Message message) => message.Type == AnswerType || message.Type == LimitsMessages.StatsReply;

    public void FastDispatch(Message message) => OnMessage(message);

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (!CanFastDispatch(message))
        {
            return ValueTask.FromResult(false);
        }

        OnMessage(message);
        return ValueTask.FromResult(true);
    }

    public void HandleConnect(IConnection connection) => _connected.TrySetResult();

    public bool HandleReset(IConnection connection)
    {
        _failed.TrySetResult($"connection to {connection.PeerName} was reset: {connection.CloseReason}");
        return true;
    }

    public bool HandleRefused(IConnection connection)
    {
        _failed.TrySetResult($"connection to {connection.PeerAddrs} was refused: {connection.CloseReason}");
        return true;
    }

    private void OnMessage(Message message)
    {
        if (message.Type == LimitsMessages.StatsReply)
        {
            Interlocked.Exchange(ref _stats, null)?.TrySetResult(ServerSnapshot.Read(message.Front.Span));
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (!options.OneWay && message.Data.Length != options.Size)
        {
            _failed.TrySetResult($"the server answered {options.Size} bytes with {message.Data.Length}");
            return;
        }

        Recorder.Complete(_sentAt[(int)(message.Tid % (ulong)_sentAt.Length)], now);
        if (!window.Stopping)
        {
            SendNext();
        }
        else if (Interlocked.Decrement(ref _outstanding) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private void SendNext()
    {
        ulong tid = _nextTid++;
        // Another reference to the one pooled payload, not a copy: the request is the bytes an application
        // already holds, so the figure is the messenger's cost and not a memcpy of ours (iperf3 likewise
        // sends one buffer over and over).
        var request = new Message(RequestType) { Tid = tid, Data = payload.Share() };
        _sentAt[(int)(tid % (ulong)_sentAt.Length)] = Stopwatch.GetTimestamp();
        if (!Connection.SendMessage(request))
        {
            _failed.TrySetResult("the connection closed while sending");
        }
    }
}
