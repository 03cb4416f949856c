using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Tests.Harness;

/// <summary>Records a messenger's connection events (Ceph's dispatcher hooks), by name.</summary>
public abstract class EventRecorder : IDispatcher
{
    public ConcurrentQueue<(string Event, IConnection Connection)> Events { get; } = new();

    public int Count(string name) => Events.Count(e => e.Event == name);

    public abstract ValueTask<bool> DispatchAsync(Message message);

    public void HandleConnect(IConnection connection) => Events.Enqueue(("connect", connection));

    public void HandleAccept(IConnection connection) => Events.Enqueue(("accept", connection));

    public bool HandleReset(IConnection connection)
    {
        Events.Enqueue(("reset", connection));
        return true;
    }

    public void HandleRemoteReset(IConnection connection) => Events.Enqueue(("remote_reset", connection));

    public bool HandleRefused(IConnection connection)
    {
        Events.Enqueue(("refused", connection));
        return true;
    }

    public Task<IConnection> WaitForEventAsync(string name, TimeSpan? timeout = null) => Eventually.UntilAsync(
        () => Events.FirstOrDefault(e => e.Event == name).Connection,
        timeout ?? TimeSpan.FromSeconds(10),
        () => $"no '{name}' event; saw {string.Join(",", Events.Select(e => e.Event))}");
}

/// <summary>Records what a messenger delivers: messages (copied), and connection events.</summary>
public sealed class RecordingDispatcher : EventRecorder
{
    public ConcurrentQueue<Received> Messages { get; } = new();

    /// <summary>The message objects themselves: typed fields stay valid after dispatch, segment buffers do not.</summary>
    public ConcurrentQueue<Message> Typed { get; } = new();

    public Task<T> WaitForAsync<T>(TimeSpan? timeout = null) where T : Message => Eventually.UntilAsync(
        () => Typed.OfType<T>().FirstOrDefault(),
        timeout ?? TimeSpan.FromSeconds(20),
        () => $"no {typeof(T).Name}; got types {string.Join(",", Messages.Select(m => m.Type))}");

    public override ValueTask<bool> DispatchAsync(Message message)
    {
        Typed.Enqueue(message);
        Messages.Enqueue(new Received(message.Type, message.Priority, message.Tid, message.Seq, message.Source.ToString(), message.Front.Span.ToArray(), message.Data.Length));
        return ValueTask.FromResult(true);
    }

    public Task WaitForMessagesAsync(int count, TimeSpan? timeout = null) => Eventually.UntilAsync(
        () => Messages.Count >= count,
        timeout ?? TimeSpan.FromSeconds(30),
        () => $"got {Messages.Count} of {count} messages");

    public sealed record Received(ushort Type, ushort Priority, ulong Tid, ulong Seq, string Source, byte[] Front, int DataLength);
}

/// <summary>A second recorder type so two messengers in one host get their own singletons.</summary>
public sealed class ClientRecorder : IDispatcher
{
    public RecordingDispatcher Inner { get; } = new();

    public ValueTask<bool> DispatchAsync(Message message) => Inner.DispatchAsync(message);

    public void HandleConnect(IConnection connection) => Inner.HandleConnect(connection);

    public bool HandleReset(IConnection connection) => Inner.HandleReset(connection);

    public bool HandleRefused(IConnection connection) => Inner.HandleRefused(connection);
}
