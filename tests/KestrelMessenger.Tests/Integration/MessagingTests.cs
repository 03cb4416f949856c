using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Integration;

/// <summary>Two messengers in one host, over the in-memory transport and over loopback TCP alike.</summary>
public class MessagingTests
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    private static Task<MessengerTestHost> StartPairAsync(TransportKind transport) =>
        MessengerTestHost.StartAsync(transport, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.3";
                o.BindTo("v2:127.0.0.1:0");
            }).AddDispatcher<RecordingDispatcher>();
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
        });

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Handshake_completes_in_both_roles_with_the_negotiated_result(TransportKind transport)
    {
        await using MessengerTestHost host = await StartPairAsync(transport);
        Messenger osd = host.Messenger("osd");
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, osd.MyAddrs);

        IConnection connected = await host.Get<ClientRecorder>().Inner.WaitForEventAsync("connect");
        IConnection accepted = await host.Get<RecordingDispatcher>().WaitForEventAsync("accept");

        Assert.Same(toOsd, connected);
        Assert.Equal(EntityName.Osd(3), toOsd.PeerName);
        Assert.Equal(osd.MyAddrs, toOsd.PeerAddrs);
        Assert.Equal(CephFeatures.All, toOsd.Features);
        Assert.Equal(EntityType.Client, accepted.PeerName.Type);
        Assert.Equal(EntityAddrType.Any, accepted.PeerAddrs[0].Type);
        Assert.True(toOsd.IsConnected && accepted.IsConnected);

        HandshakeResult client = ((Connections.MessengerConnection)toOsd).Handshake!;
        HandshakeResult server = ((Connections.MessengerConnection)accepted).Handshake!;
        Assert.Equal((HandshakeRole.Client, HandshakeRole.Server), (client.Role, server.Role));
        Assert.Equal((ConnectionMode.Crc, ConnectionMode.Crc), (client.Mode, server.Mode));
        Assert.True(client.Lossy && server.Lossy, "an OSD serving clients is a stateless server: lossy");
        Assert.Equal(AuthEntityName.Parse("client.admin"), server.PeerAuthName);
        Assert.Equal(client.MyAddrAsSeen!.EndPoint!.Address, accepted.PeerAddrs[0].EndPoint!.Address);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Ten_thousand_messages_of_mixed_priorities_arrive_in_order_within_each_priority(TransportKind transport)
    {
        await using MessengerTestHost host = await StartPairAsync(transport);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        ushort[] priorities = [MessagePriority.Low, MessagePriority.Default, MessagePriority.High, MessagePriority.Highest];
        const int Count = 10_000;
        for (int i = 0; i < Count; i++)
        {
            var m = new Message(0x7000) { Tid = (ulong)i, Priority = priorities[i % 4] };
            m.Front = MessageBuffer.CopyOf(BitConverter.GetBytes(i));
            Assert.True(toOsd.SendMessage(m));
        }

        RecordingDispatcher osd = host.Get<RecordingDispatcher>();
        await osd.WaitForMessagesAsync(Count);
        RecordingDispatcher.Received[] got = [.. osd.Messages];

        Assert.Equal(Count, got.Length);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (ulong)i), got.Select(m => m.Tid).Order());
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (ulong)i), got.Select(m => m.Seq).Order());
        foreach (var byPriority in got.GroupBy(m => m.Priority))
        {
            ulong[] tids = [.. byPriority.Select(m => m.Tid)];
            Assert.Equal(tids.Order(), tids);
        }

        Assert.All(got, m => Assert.Equal((int)m.Tid, BitConverter.ToInt32(m.Front)));
        Assert.All(got, m => Assert.Equal("client.-1", m.Source));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Keepalives_round_trip_in_both_directions(TransportKind transport)
    {
        await using MessengerTestHost host = await StartPairAsync(transport);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        IConnection toClient = await host.Get<RecordingDispatcher>().WaitForEventAsync("accept");

        for (int i = 0; i < 20; i++)
        {
            TimeSpan rtt = await toOsd.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(rtt > TimeSpan.Zero);
            await toClient.PingAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Typed_and_unknown_messages_are_delivered_never_dropped(TransportKind transport)
    {
        await using MessengerTestHost host = await StartPairAsync(transport);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        toOsd.SendMessage(new MOSDPing { Op = OsdPingOp.Ping, MapEpoch = 9, Fsid = Guid.NewGuid() });
        toOsd.SendMessage(new MPing());
        toOsd.SendMessage(new Message(0x7777) { Data = MessageBuffer.CopyOf(new byte[5000]) });

        RecordingDispatcher osd = host.Get<RecordingDispatcher>();
        await osd.WaitForMessagesAsync(3);
        Assert.Contains(osd.Messages, m => m.Type == MessageTypes.OsdPing && m.Front.Length == 54);
        Assert.Contains(osd.Messages, m => m.Type == MessageTypes.Ping);
        Assert.Contains(osd.Messages, m => m.Type == 0x7777 && m.DataLength == 5000);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_peer_that_is_not_listening_is_reported_refused(TransportKind transport)
    {
        await using MessengerTestHost host = await StartPairAsync(transport);
        var nowhere = EntityAddr.Parse("v2:127.0.0.1:1/0");
        IConnection c = host.Messenger("client").ConnectTo(EntityType.Osd, nowhere);
        Assert.Same(c, await host.Get<ClientRecorder>().Inner.WaitForEventAsync("refused"));
        Assert.True(c.IsClosed);
        Assert.False(c.SendMessage(new MPing()));
    }

    [Fact]
    public async Task Marking_down_closes_both_ends_and_the_peer_sees_a_reset()
    {
        await using MessengerTestHost host = await StartPairAsync(TransportKind.Tcp);
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        IConnection accepted = await host.Get<RecordingDispatcher>().WaitForEventAsync("accept");
        toOsd.MarkDown();
        Assert.Same(accepted, await host.Get<RecordingDispatcher>().WaitForEventAsync("reset"));
        await accepted.Closed.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
