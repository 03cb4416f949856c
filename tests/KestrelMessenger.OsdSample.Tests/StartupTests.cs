using KestrelMessenger.Hosting;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>The ceph-osd startup flow: seven messengers, the right ones bound, Ceph's policies, init after bind.</summary>
public class StartupTests
{
    [Theory]
    [MemberData(nameof(Clusters.Transports), MemberType = typeof(Clusters))]
    public async Task The_seven_messengers_come_up_with_the_right_bindings(TransportKind transport)
    {
        await using LocalCluster cluster = Clusters.Create(transport);
        Osd.Osd osd = await cluster.StartAsync(3);
        IServiceProvider services = cluster.Host(3).Services;
        Messenger[] all = [.. OsdHost.MessengerNames.Select(services.GetMessenger)];

        Assert.Equal(7, all.Length);
        Assert.All(all, m => Assert.Equal(EntityName.Osd(3), m.MyName));
        Assert.Single(all.Select(m => m.Nonce).Distinct());

        string[] bound = ["public", "cluster", "hb_back_server", "hb_front_server"];
        foreach (Messenger m in all)
        {
            Assert.Equal(bound.Contains(m.Name) ? 1 : 0, m.MyAddrs.Count);
        }

        int[] ports = [.. bound.Select(n => services.GetMessenger(n).MyAddrs[0].EndPoint!.Port)];
        Assert.Equal(4, ports.Distinct().Count());
        if (transport == TransportKind.Tcp)
        {
            Assert.All(ports, p => Assert.InRange(p, 6800, 7300)); // ms_bind_port_min..max
        }

        Assert.Equal(osd.Info, cluster.Map.All.Single());
        Assert.Equal(services.GetMessenger("public").MyAddrs, osd.Info!.Public);
    }

    [Fact]
    public async Task Policies_are_the_ones_ceph_osd_sets()
    {
        await using LocalCluster cluster = Clusters.Create(TransportKind.Memory);
        await cluster.StartAsync(0);
        IServiceProvider s = cluster.Host(0).Services;

        Assert.True(s.GetMessenger("public").GetPolicy(EntityType.Client) is { Lossy: true, Server: true });
        Assert.True(s.GetMessenger("public").GetPolicy(EntityType.Mon) is { Lossy: true, Server: false });
        Assert.True(s.GetMessenger("cluster").GetPolicy(EntityType.Osd) is { Lossy: false, Server: false });
        Assert.True(s.GetMessenger("cluster").GetPolicy(EntityType.Client) is { Lossy: true, Server: true });
        Assert.True(s.GetMessenger("hb_back_client").GetPolicy(EntityType.Osd) is { Lossy: true, Server: false });
        Assert.True(s.GetMessenger("hb_front_server").GetPolicy(EntityType.Osd) is { Lossy: true, Server: true });
        Assert.True(s.GetMessenger("objecter").DefaultPolicy is { Lossy: true, Server: false });
    }

    [Fact]
    public async Task A_failed_bind_stops_the_osd_with_a_clear_error()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int busy = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        WebApplication host = OsdHost.Build(new OsdOptions { Id = 9, PublicPort = busy }, new OsdMap());
        var e = await Assert.ThrowsAsync<IOException>(() => host.StartAsync());
        Assert.Contains($"messenger 'public' could not bind 127.0.0.1 to any port in {busy}..{busy}", e.Message);
        await host.DisposeAsync();
    }
}
