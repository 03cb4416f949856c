using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Interop;

/// <summary>Our messenger and kmsgr against a real Ceph 16.2 ceph-osd (memstore): public and cluster endpoints.</summary>
[Collection(CephCluster.Name)]
public class RealOsdTests(CephClusterFixture cluster)
{
    public static TheoryData<string> Endpoints => new() { "public", "cluster" };

    private EntityAddrVec Addrs(string endpoint) => endpoint == "public" ? cluster.OsdPublicAddrs : cluster.OsdClusterAddrs;

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Completes_the_handshake_and_keepalives(string endpoint)
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("objecter", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>());

        IConnection osd = host.Messenger("objecter").ConnectTo(EntityType.Osd, Addrs(endpoint));
        await host.Get<ClientRecorder>().Inner.WaitForEventAsync("connect", TimeSpan.FromSeconds(20));
        Assert.Equal(EntityName.Osd(0), osd.PeerName);
        Assert.Equal(Addrs(endpoint), osd.PeerAddrs);
        Assert.Equal(CephFeatures.All, osd.Handshake!.PeerFeatures);
        Assert.True(osd.Handshake.Lossy, "an OSD serves clients as a stateless server");
        for (int i = 0; i < 5; i++)
        {
            await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Kmsgr_ping_succeeds(string endpoint)
    {
        (int exit, string output, string errors) = await Kmsgr.RunAsync("ping", Addrs(endpoint).Msgr2!.ToString(), "--count", "2");
        Assert.True(exit == 0, errors);
        Assert.Contains("peer      osd.0 at ", output);
    }

    [Fact]
    public async Task Kmsgr_ping_with_a_stale_nonce_explains_the_silent_close()
    {
        EntityAddr stale = cluster.OsdPublicAddrs.Msgr2! with { Nonce = cluster.OsdPublicAddrs.Msgr2!.Nonce + 1 };
        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", stale.ToString(), "--timeout", "10");
        Assert.NotEqual(0, exit);
        Assert.Contains("(nonce included) really its address?", errors);
    }
}
