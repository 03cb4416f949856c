using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Interop;

/// <summary>Our client messenger against a real Ceph 16.2 ceph-mon on loopback.</summary>
public class RealMonitorTests(CephMonFixture mon) : IClassFixture<CephMonFixture>
{
    [Fact]
    public async Task Completes_the_handshake_gets_keepalive_acks_and_a_monmap()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("monc", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>());
        RecordingDispatcher recorder = host.Get<ClientRecorder>().Inner;

        IConnection connection = host.Messenger("monc").ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{mon.Port}/0"));
        await recorder.WaitForEventAsync("connect", TimeSpan.FromSeconds(20));

        HandshakeResult handshake = ((Connections.MessengerConnection)connection).Handshake!;
        Assert.Equal(EntityType.Mon, connection.PeerName.Type);
        Assert.True(handshake.GlobalId > 0, "the monitor assigns a global id in AUTH_DONE");
        Assert.Equal(CephFeatures.All, handshake.PeerFeatures);
        Assert.True(handshake.Lossy, "monitors force clients lossy");

        for (int i = 0; i < 3; i++)
        {
            await connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        connection.SendMessage(new Message(MessageTypes.MonGetMap));
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!recorder.Messages.Any(m => m.Type == MessageTypes.MonMap) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        RecordingDispatcher.Received monmap = Assert.Single(recorder.Messages, m => m.Type == MessageTypes.MonMap);
        Assert.Equal("mon.0", monmap.Source);
        Assert.True(monmap.Front.Length > 16);
        Assert.Equal(1ul, monmap.Seq);
    }
}
