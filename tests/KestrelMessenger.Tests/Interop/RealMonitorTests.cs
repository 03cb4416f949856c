using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Interop;

/// <summary>Our client messenger against a real Ceph 16.2 ceph-mon on loopback.</summary>
[Collection(CephCluster.Name)]
public class RealMonitorTests(CephClusterFixture mon)
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

        connection.SendMessage(new MMonGetMap());
        MMonMap monmap = await recorder.WaitForAsync<MMonMap>();
        Assert.Equal(mon.Fsid, monmap.Fsid);
        Assert.Equal(EntityName.Mon(0), monmap.Source);
        Assert.Equal(1ul, monmap.Seq);
    }

    [Fact]
    public async Task Answers_get_version_and_pushes_the_subscribed_monmap()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("monc", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>());
        RecordingDispatcher recorder = host.Get<ClientRecorder>().Inner;
        IConnection connection = host.Messenger("monc").ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{mon.Port}/0"));

        connection.SendMessage(new MMonGetVersion { Handle = 7, What = "osdmap" });
        MMonGetVersionReply version = await recorder.WaitForAsync<MMonGetVersionReply>();
        Assert.Equal(7ul, version.Handle);
        Assert.True(version.MapVersion >= 1, "a fresh cluster has osdmap epoch 1 or later");
        Assert.InRange(version.OldestMapVersion, 0ul, version.MapVersion);

        var subscribe = new MMonSubscribe { Hostname = Environment.MachineName };
        subscribe.What["monmap"] = new SubscribeItem(0, 0);
        connection.SendMessage(subscribe);
        MMonMap monmap = await recorder.WaitForAsync<MMonMap>();
        Assert.Equal(mon.Fsid, monmap.Fsid);
        Assert.Equal(mon.MonMapEpoch, monmap.Epoch);
        await connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
