using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>A minimal objecter for tests: sends MOSDOps to an OSD's public address and awaits the replies.</summary>
public sealed class OsdClient : IDispatcher, IAsyncDisposable
{
    private readonly Messenger _messenger;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<MOSDOpReply>> _waiting = new();
    private long _tid;

    public OsdClient(IMessengerTransport transport)
    {
        _messenger = new Messenger("objecter", new MessengerOptions { Entity = "client.-1" }, transport);
        _messenger.AddDispatcherTail(this);
        _messenger.StartAsync().GetAwaiter().GetResult();
    }

    public Messenger Messenger => _messenger;

    public async Task<MOSDOpReply> SendAsync(OsdInfo osd, string objectName, params OsdOp[] ops)
    {
        var request = new MOSDOp { Tid = (ulong)Interlocked.Increment(ref _tid), ObjectName = objectName, Locator = new ObjectLocator(1), Pgid = new PgId(1, 7), MapEpoch = 1 };
        request.Ops.AddRange(ops);
        return await SendAsync(osd, request);
    }

    public async Task<MOSDOpReply> SendAsync(OsdInfo osd, MOSDOp request)
    {
        var done = new TaskCompletionSource<MOSDOpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[request.Tid] = done;
        _messenger.ConnectTo(EntityType.Osd, osd.Public).SendMessage(request);
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public static OsdOp Write(ulong offset, byte[] data)
    {
        OsdOp op = OsdOp.Extent(OsdOpCode.Write, offset, (ulong)data.Length);
        op.InData = data;
        return op;
    }

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message is not MOSDOpReply reply)
        {
            return ValueTask.FromResult(false);
        }

        foreach (OsdOp op in reply.Ops)
        {
            op.OutData = op.OutData.ToArray(); // copied out before the data segment returns to the pool
        }

        if (_waiting.TryRemove(reply.Tid, out var done))
        {
            done.TrySetResult(reply);
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask DisposeAsync() => _messenger.DisposeAsync();
}
