using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Harness;

/// <summary>
/// Two bound OSD-typed messengers in one host ("a" is osd.1, "b" is osd.2), each with its policy for OSD
/// peers, a <see cref="SocketCutter"/>, a stream recorder, and short backoffs so reconnects are quick.
/// </summary>
public sealed class MessengerPair : IAsyncDisposable
{
    private MessengerPair(MessengerTestHost host, SocketCutter cutA, SocketCutter cutB)
    {
        Host = host;
        CutA = cutA;
        CutB = cutB;
    }

    public MessengerTestHost Host { get; }

    public SocketCutter CutA { get; }

    public SocketCutter CutB { get; }

    public Messenger A => Host.Messenger("a");

    public Messenger B => Host.Messenger("b");

    public StreamA RecA => Host.Get<StreamA>();

    public StreamB RecB => Host.Get<StreamB>();

    public static async Task<MessengerPair> StartAsync(TransportKind transport, Policy policyA, Policy? policyB = null, Action<MessengerOptions>? tweak = null)
    {
        var cutA = new SocketCutter();
        var cutB = new SocketCutter();
        MessengerTestHost host = await MessengerTestHost.StartAsync(transport, s =>
        {
            s.AddCephMessenger("a", o => Configure(o, "osd.1", policyA, cutA, tweak)).AddDispatcher<StreamA>();
            s.AddCephMessenger("b", o => Configure(o, "osd.2", policyB ?? policyA, cutB, tweak)).AddDispatcher<StreamB>();
        });
        return new MessengerPair(host, cutA, cutB);
    }

    private static void Configure(MessengerOptions o, string entity, Policy policy, SocketCutter cutter, Action<MessengerOptions>? tweak)
    {
        o.Entity = entity;
        o.BindTo("v2:127.0.0.1:0");
        o.Policies[EntityType.Osd] = policy;
        o.InitialBackoff = TimeSpan.FromMilliseconds(50);
        o.MaxBackoff = TimeSpan.FromMilliseconds(500);
        o.ConnectionMiddleware.Add(cutter.Install);
        tweak?.Invoke(o);
    }

    /// <summary>Sends messages numbered <paramref name="from"/> up to <paramref name="to"/> (exclusive) by tid, each carrying its number.</summary>
    public static void SendNumbered(IConnection connection, long from, long to, ushort priority = MessagePriority.Default)
    {
        for (long i = from; i < to; i++)
        {
            var m = new Message(0x7000) { Tid = (ulong)i, Priority = priority, Front = MessageBuffer.CopyOf(BitConverter.GetBytes(i)) };
            Assert.True(connection.SendMessage(m), $"message {i} refused: {connection.CloseReason}");
        }
    }

    /// <summary>The session behind a handle (for its state, which tests read).</summary>
    internal static MessengerConnection Session(IConnection connection) => (MessengerConnection)connection;

    /// <summary>Completes once the peer has acknowledged everything the session sent.</summary>
    public static Task AllAckedAsync(IConnection connection, TimeSpan? timeout = null)
    {
        MessengerConnection session = Session(connection);
        return Eventually.UntilAsync(() => session.Session.Unacked == 0, timeout ?? TimeSpan.FromSeconds(20), () => $"{session.Session.Unacked} unacknowledged");
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
