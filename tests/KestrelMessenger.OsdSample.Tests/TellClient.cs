using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>What <c>ceph tell</c> does on the wire: MCommand to an OSD's public address, MCommandReply matched by tid.</summary>
public sealed class TellClient : IDispatcher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<(int, string, string)>> _waiting = new();
    private readonly Messenger _messenger;
    private long _tid;

    public TellClient(IMessengerTransport transport)
    {
        _messenger = new Messenger("tell", new MessengerOptions { Entity = "client.-1" }, transport);
        _messenger.AddDispatcherTail(this);
        _messenger.StartAsync().GetAwaiter().GetResult();
    }

    /// <summary>Sends the command strings; completes with the reply's result, status and output.</summary>
    public Task<(int Result, string Status, string Output)> TellAsync(OsdInfo osd, params string[] command)
    {
        var message = new MCommand { Tid = (ulong)Interlocked.Increment(ref _tid) };
        message.Command.AddRange(command);
        var done = new TaskCompletionSource<(int, string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[message.Tid] = done;
        Assert.True(_messenger.ConnectTo(EntityType.Osd, osd.Public).SendMessage(message));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message is MCommandReply reply && _waiting.TryRemove(reply.Tid, out var done))
        {
            done.TrySetResult((reply.Result, reply.Status, reply.Output));
            return ValueTask.FromResult(true);
        }

        return ValueTask.FromResult(false);
    }

    public ValueTask DisposeAsync() => _messenger.DisposeAsync();
}
