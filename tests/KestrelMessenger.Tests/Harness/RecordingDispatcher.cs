using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Tests.Harness;

/// <summary>Records what a messenger delivers: messages (copied), and connection events.</summary>
public sealed class RecordingDispatcher : IDispatcher
{
    public ConcurrentQueue<Received> Messages { get; } = new();

    public ConcurrentQueue<(string Event, IConnection Connection)> Events { get; } = new();

    /// <summary>The message objects themselves: typed fields stay valid after dispatch, segment buffers do not.</summary>
    public ConcurrentQueue<Message> Typed { get; } = new();

    public async Task<T> WaitForAsync<T>(TimeSpan? timeout = null) where T : Message
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (Typed.OfType<T>().FirstOrDefault() is T found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {typeof(T).Name}; got types {string.Join(",", Messages.Select(m => m.Type))}");
            }

            await Task.Delay(20);
        }
    }

    public ValueTask<bool> DispatchAsync(Message message)
    {
        Typed.Enqueue(message);
        Messages.Enqueue(new Received(message.Type, message.Priority, message.Tid, message.Seq, message.Source.ToString(), message.Front.Span.ToArray(), message.Data.Length));
        return ValueTask.FromResult(true);
    }

    public void HandleConnect(IConnection connection) => Events.Enqueue(("connect", connection));

    public void HandleAccept(IConnection connection) => Events.Enqueue(("accept", connection));

    public bool HandleReset(IConnection connection)
    {
        Events.Enqueue(("reset", connection));
        return true;
    }

    public bool HandleRefused(IConnection connection)
    {
        Events.Enqueue(("refused", connection));
        return true;
    }

    public async Task WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"got {Messages.Count} of {count} messages");
            }

            await Task.Delay(10);
        }
    }

    public async Task<IConnection> WaitForEventAsync(string name, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            foreach ((string e, IConnection c) in Events)
            {
                if (e == name)
                {
                    return c;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no '{name}' event; saw {string.Join(",", Events.Select(e => e.Event))}");
            }

            await Task.Delay(10);
        }
    }

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
