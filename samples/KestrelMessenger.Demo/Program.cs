// Two messengers in one Kestrel host exchange messages over loopback TCP: the "osd" messenger
// binds and echoes, the "client" messenger connects, sends messages of mixed priorities, pings
// with KEEPALIVE2, and prints what happened.
using System.Diagnostics;
using KestrelMessenger;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

const int Count = 10_000;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddCephMessenger("osd", o =>
{
    o.Entity = "osd.0";
    o.BindTo("v2:127.0.0.1:0");
}).AddDispatcher<Echo>();
builder.Services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<Replies>();

await using WebApplication app = builder.Build();
await app.StartAsync();

Messenger osd = app.Services.GetMessenger("osd");
Messenger client = app.Services.GetMessenger("client");
Replies replies = app.Services.GetRequiredService<Replies>();
Console.WriteLine($"osd messenger {osd.MyName} listening on {osd.MyAddrs}");

IConnection connection = client.ConnectTo(EntityType.Osd, osd.MyAddrs);
var clock = Stopwatch.StartNew();
ushort[] priorities = [MessagePriority.Low, MessagePriority.Default, MessagePriority.High];
for (int i = 0; i < Count; i++)
{
    var request = new Message(DemoRequestType.Value) { Tid = (ulong)i + 1, Priority = priorities[i % priorities.Length] };
    request.Data = MessageBuffer.CopyOf(new byte[i % 4 == 0 ? 4096 : 64]);
    connection.SendMessage(request);
}

await replies.AllArrived(Count).WaitAsync(TimeSpan.FromSeconds(60));
clock.Stop();

var rtts = new List<TimeSpan>();
for (int i = 0; i < 5; i++)
{
    rtts.Add(await connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(5)));
}

Console.WriteLine($"connected to {connection.PeerName} at {connection.PeerAddrs}, features 0x{connection.Features:x16}");
Console.WriteLine($"{Count} messages of mixed priorities (64, 127, 196) echoed in {clock.Elapsed.TotalMilliseconds:0} ms: {Count / clock.Elapsed.TotalSeconds:0} msg/s");
Console.WriteLine($"replies received: {replies.Count}; keepalive RTT min {rtts.Min().TotalMicroseconds:0} us, max {rtts.Max().TotalMicroseconds:0} us");
await app.StopAsync();
Console.WriteLine("both messengers shut down cleanly");

/// <summary>Echoes every demo request back on the connection it came from.</summary>
internal sealed class Echo : IDispatcher
{
    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message.Type != DemoRequestType.Value)
        {
            return ValueTask.FromResult(false);
        }

        message.Connection!.SendMessage(new Message(DemoRequestType.Reply) { Tid = message.Tid, Priority = message.Priority });
        return ValueTask.FromResult(true);
    }
}

/// <summary>Counts replies.</summary>
internal sealed class Replies : IDispatcher
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _expected = int.MaxValue;

    public int Count => Volatile.Read(ref _count);

    public Task AllArrived(int expected)
    {
        _expected = expected;
        if (Count >= expected)
        {
            _done.TrySetResult();
        }

        return _done.Task;
    }

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message.Type != DemoRequestType.Reply)
        {
            return ValueTask.FromResult(false);
        }

        if (Interlocked.Increment(ref _count) >= _expected)
        {
            _done.TrySetResult();
        }

        return ValueTask.FromResult(true);
    }
}

internal static class DemoRequestType
{
    public const ushort Value = 0x7000;
    public const ushort Reply = 0x7001;
}
