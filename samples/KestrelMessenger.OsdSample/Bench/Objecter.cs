using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger.OsdSample.Bench;

/// <summary>
/// A small Objecter (Ceph's client-side OSD op submitter): one "objecter" messenger, ops matched to
/// replies by tid on the fast-dispatch path, one lossy connection per OSD reused while it is open.
/// </summary>
public sealed class Objecter : IDispatcher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<MOSDOpReply>> _waiting = new();
    private readonly SocketMessengerTransport? _sockets;
    private long _tid;

    /// <summary>Creates and starts the objecter messenger on <paramref name="transport"/> (TCP when null).</summary>
    public Objecter(IMessengerTransport? transport = null)
    {
        _sockets = transport is null ? new SocketMessengerTransport(NullLoggerFactory.Instance) : null;
        Messenger = new Messenger("objecter", new MessengerOptions { Entity = "client.-1" }, transport ?? _sockets!);
        Messenger.AddDispatcherTail(this);
        Messenger.StartAsync().GetAwaiter().GetResult();
    }

    /// <summary>The objecter messenger.</summary>
    public Messenger Messenger { get; }

    /// <summary>A fresh transaction id.</summary>
    public ulong NextTid() => (ulong)Interlocked.Increment(ref _tid);

    /// <summary>
    /// Sends <paramref name="op"/> (its tid set by <see cref="NextTid"/>) to the OSD at <paramref name="osd"/>; completes
    /// with its reply. An -EAGAIN reply is resent with the next retry_attempt, as Ceph's Objecter resends it
    /// (the OSD could not complete it now, and applied none of it).
    /// </summary>
    public async Task<MOSDOpReply> SubmitAsync(EntityAddrVec osd, MOSDOp op)
    {
        // Kept across sends: encoding leaves a message as it was, so the same op can be sent again.
        using IDisposable kept = op.Retain();
        for (int attempt = 0; ; attempt++)
        {
            MOSDOpReply reply = await SendOnceAsync(osd, op);
            if (reply.Result != Errno.EAGAIN || attempt == MaxResends)
            {
                return reply;
            }

            op.RetryAttempt++;
        }
    }

    private const int MaxResends = 20;

    private Task<MOSDOpReply> SendOnceAsync(EntityAddrVec osd, MOSDOp op)
    {
        var done = new TaskCompletionSource<MOSDOpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[op.Tid] = done;
        if (!Messenger.ConnectTo(EntityType.Osd, osd).SendMessage(op))
        {
            _waiting.TryRemove(op.Tid, out _);
            done.TrySetException(new IOException($"connection to {osd} is closed"));
        }

        return done.Task;
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

    /// <inheritdoc />
    public bool CanFastDispatch(Message message) => message is MOSDOpReply;

    /// <inheritdoc />
    public void FastDispatch(Message message)
    {
        var reply = (MOSDOpReply)message;
        foreach (OsdOp op in reply.Ops)
        {
            op.OutData = op.OutData.ToArray(); // the reply's data segment returns to the pool after this
        }

        if (_waiting.TryRemove(reply.Tid, out TaskCompletionSource<MOSDOpReply>? done))
        {
            done.TrySetResult(reply);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Messenger.DisposeAsync();
        _sockets?.Dispose();
    }
}
