using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Transport;
using Microsoft.Extensions.DependencyInjection;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// A peer that restarted has lost the session: the survivor resets it, tells its dispatchers, and starts
/// afresh. Each "process" is a host of its own; in memory they share one transport, as hosts on one network.
/// </summary>
public class SessionResetTests
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    private readonly MemoryTransport _network = new();

    private Task<MessengerTestHost> StartAsync(TransportKind transport, string name, string entity, string bind, uint nonce) =>
        MessengerTestHost.StartAsync(transport, s =>
        {
            if (transport == TransportKind.Memory)
            {
                s.AddSingleton<IMessengerTransport>(_network);
            }

            s.AddCephMessenger(name, o =>
        {
            o.Entity = entity;
            o.Nonce = nonce;
            o.BindTo(bind);
            o.Policies[EntityType.Osd] = Policy.LosslessPeerReuse(); // mon ↔ mon style: stands by, checks resets
            o.InitialBackoff = TimeSpan.FromMilliseconds(50);
            o.MaxBackoff = TimeSpan.FromMilliseconds(300);
        }).AddDispatcher<StreamA>();
        });

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_restarted_peer_answers_a_reconnect_with_a_full_reset_and_the_queue_for_its_old_self_is_dropped(TransportKind transport)
    {
        await using MessengerTestHost a = await StartAsync(transport, "a", "osd.1", "v2:127.0.0.1:0", 11);
        MessengerTestHost b = await StartAsync(transport, "b", "osd.2", "v2:127.0.0.1:0", 22);
        EntityAddrVec bAddrs = b.Messenger("b").MyAddrs;
        IConnection toB = a.Messenger("a").ConnectTo(EntityType.Osd, bAddrs);
        MessengerPair.SendNumbered(toB, 0, 10);
        await b.Get<StreamA>().WaitForAsync(10);
        await b.DisposeAsync();

        // While b is down, a queues more for it; b comes back at the same address with no memory of the session.
        MessengerPair.SendNumbered(toB, 10, 15);
        await using MessengerTestHost restarted = await StartAsync(transport, "b", "osd.2", $"v2:{bAddrs[0].EndPoint}", 22);
        StreamA a1 = a.Get<StreamA>();
        await Eventually.UntilAsync(() => a1.Count("remote_reset") == 1, TimeSpan.FromSeconds(20), () => "no remote reset on a");
        Assert.Contains(a.Logs.Lines, l => l.Contains("was reset (the peer answered SESSION_RESET); 5 queued messages dropped", StringComparison.Ordinal));

        MessengerPair.SendNumbered(toB, 15, 20);
        StreamA b2 = restarted.Get<StreamA>();
        await Eventually.UntilAsync(() => b2.Audit.Received == 5, TimeSpan.FromSeconds(20), () => $"{b2.Audit.Received} received");
        Assert.Equal([15, 16, 17, 18, 19], Enumerable.Range(0, 20).Where(t => b2.Audit.Contains(t)));
        Assert.Equal("1-5", b2.SeqRuns());
        Assert.Same(toB, Assert.Single(a.Messenger("a").Connections));
        Assert.False(toB.IsClosed);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_restarted_client_with_a_new_cookie_resets_the_survivors_session_which_drops_what_waited_for_it(TransportKind transport)
    {
        await using MessengerTestHost b = await StartAsync(transport, "b", "osd.2", "v2:127.0.0.1:0", 22);
        EntityAddrVec bAddrs = b.Messenger("b").MyAddrs;
        MessengerTestHost a = await StartAsync(transport, "a", "osd.1", "v2:127.0.0.1:0", 11);
        EntityAddrVec aAddrs = a.Messenger("a").MyAddrs;
        MessengerPair.SendNumbered(a.Messenger("a").ConnectTo(EntityType.Osd, bAddrs), 0, 3);
        StreamA bRec = b.Get<StreamA>();
        await bRec.WaitForAsync(3);
        await a.DisposeAsync();

        // b has things for a when a restarts; a's new incarnation comes with a new cookie and resets the session.
        IConnection toA = b.Messenger("b").ConnectTo(EntityType.Osd, aAddrs);
        await using MessengerTestHost again = await StartAsync(transport, "a", "osd.1", $"v2:{aAddrs[0].EndPoint}", 11);
        MessengerPair.SendNumbered(again.Messenger("a").ConnectTo(EntityType.Osd, bAddrs), 100, 101);
        await Eventually.UntilAsync(() => bRec.Count("remote_reset") == 1, TimeSpan.FromSeconds(20), () => "no remote reset on b");
        await bRec.WaitForAsync(4);
        Assert.True(bRec.Audit.Contains(100));
        Assert.Same(toA, Assert.Single(b.Messenger("b").Connections));
    }
}
