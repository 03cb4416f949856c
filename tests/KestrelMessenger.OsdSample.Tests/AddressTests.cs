using KestrelMessenger.Config;
using System.Net;
using System.Net.Sockets;
using KestrelMessenger.Hosting;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>Where the OSD binds, decided as Ceph's pick_addresses decides it, then bound on real sockets.</summary>
public class AddressTests
{
    // getifaddrs order on a typical host: loopback first, then the NICs.
    private static readonly LocalAddress[] Host =
    [
        new("lo", IPAddress.Parse("127.0.0.1")), new("lo", IPAddress.IPv6Loopback),
        new("eth0", IPAddress.Parse("10.1.2.3")), new("eth0", IPAddress.Parse("fe80::1")), new("eth0", IPAddress.Parse("fd00::3")),
        new("eth1", IPAddress.Parse("10.2.0.9")),
    ];

    public static TheoryData<string, OsdOptions, string, string> Picks => new()
    {
        { "nothing configured: the loopback (Ceph would bind any and learn)", new OsdOptions(), "127.0.0.1:0", "127.0.0.1:0" },
        { "public_addr, port kept; cluster takes the public IP", new OsdOptions { PublicAddr = "10.9.9.9:6900" }, "10.9.9.9:6900", "10.9.9.9:0" },
        { "v2: form", new OsdOptions { PublicAddr = "v2:10.9.9.9:6901/0", ClusterAddr = "10.8.8.8" }, "10.9.9.9:6901", "10.8.8.8:0" },
        { "public_network: first interface in it", new OsdOptions { PublicNetwork = "10.0.0.0/8" }, "10.1.2.3:0", "10.1.2.3:0" },
        { "networks in order; cluster_network apart", new OsdOptions { PublicNetwork = "10.2.0.0/16, 10.0.0.0/8", ClusterNetwork = "10.1.0.0/16" }, "10.2.0.9:0", "10.1.2.3:0" },
        { "lo never matches", new OsdOptions { PublicNetwork = "127.0.0.0/8;10.2.0.0/16" }, "10.2.0.9:0", "10.2.0.9:0" },
        { "host bits in the network are masked", new OsdOptions { PublicNetwork = "10.1.2.200/24" }, "10.1.2.3:0", "10.1.2.3:0" },
        { "public_addr beats public_network", new OsdOptions { PublicAddr = "10.7.7.7", PublicNetwork = "10.0.0.0/8" }, "10.7.7.7:0", "10.1.2.3:0" },
        { "IPv6: networks of the other family are skipped, link-local never matches", new OsdOptions { BindIpv4 = false, BindIpv6 = true, PublicNetwork = "10.0.0.0/8 fe80::/10 fd00::/64" }, "[fd00::3]:0", "[fd00::3]:0" },
        { "IPv6 with nothing configured", new OsdOptions { BindIpv4 = false, BindIpv6 = true }, "[::1]:0", "[::1]:0" },
        { "blank any-address is unset", new OsdOptions { PublicAddr = "0.0.0.0", PublicNetwork = "10.2.0.0/16" }, "10.2.0.9:0", "10.2.0.9:0" },
    };

    [Theory]
    [MemberData(nameof(Picks))]
    public void Pick_addresses(string why, OsdOptions options, string expectedPublic, string expectedCluster)
    {
        OsdBindAddresses picked = AddressPicker.Pick(options, Host);
        Assert.True((expectedPublic, expectedCluster) == (picked.Public.ToString(), picked.Cluster.ToString()), $"{why}: got {picked}");
    }

    public static TheoryData<OsdOptions, string> Refusals => new()
    {
        { new OsdOptions { PublicNetwork = "192.168.0.0/16" }, "unable to find any IPv4 address in networks '192.168.0.0/16' for the public side" },
        { new OsdOptions { PublicNetwork = "127.0.0.0/8" }, "unable to find any IPv4 address in networks '127.0.0.0/8' for the public side" },
        { new OsdOptions { BindIpv6 = true }, "ms_bind_ipv4 and ms_bind_ipv6 are both true: dual-stack binding is not supported; for IPv6 set ms_bind_ipv4 = false" },
        { new OsdOptions { BindIpv4 = false }, "ms_bind_ipv4 and ms_bind_ipv6 are both false: there is no address family to bind" },
        { new OsdOptions { PublicAddr = "::1" }, "public_addr ::1 is IPv6 but ms_bind_ipv6 is false (set ms_bind_ipv6 = true and ms_bind_ipv4 = false)" },
        { new OsdOptions { BindIpv4 = false, BindIpv6 = true, ClusterAddr = "10.0.0.1" }, "cluster_addr 10.0.0.1 is IPv4 but ms_bind_ipv4 is false" },
        { new OsdOptions { PublicAddr = "v1:10.0.0.1:6789" }, "public_addr v1:10.0.0.1:6789 is a msgr1 (v1:) address; this OSD speaks msgr2 only" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Settings_that_cannot_bind_are_refused_with_the_reason(OsdOptions options, string message)
    {
        var e = Assert.Throws<OsdConfigException>(() => AddressPicker.Pick(options, Host));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task Public_and_cluster_sides_bind_their_configured_ips_within_the_port_range()
    {
        int min = FreeRange(8);
        CephConf conf = CephConf.Parse(["[osd]", "public_addr = 127.0.0.1", "cluster addr = 127.0.0.2", $"ms_bind_port_min = {min}", $"ms_bind_port_max = {min + 7}"]);
        var options = new OsdOptions { Id = 5 };
        OsdConfig.Apply(conf, options);
        await using WebApplication host = OsdHost.Build(options, new OsdMap());
        await host.StartAsync();

        Assert.Equal(IPAddress.Parse("127.0.0.1"), Bound(host, "public").Address);
        Assert.Equal(IPAddress.Parse("127.0.0.1"), Bound(host, "hb_front_server").Address);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), Bound(host, "cluster").Address);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), Bound(host, "hb_back_server").Address);
        Assert.All(new[] { "public", "cluster", "hb_back_server", "hb_front_server" }, m => Assert.InRange(Bound(host, m).Port, min, min + 7));

        // Really listening there: a plain TCP connect to the cluster side succeeds.
        using var probe = new TcpClient();
        await probe.ConnectAsync(Bound(host, "cluster"));
        await host.StopAsync();
    }

    [Fact]
    public async Task With_ms_bind_ipv6_every_server_messenger_binds_ipv6()
    {
        var options = new OsdOptions { Id = 6 };
        OsdConfig.Apply(CephConf.Parse(["[global]", "ms_bind_ipv6 = true", "ms_bind_ipv4 = false"]), options);
        await using WebApplication host = OsdHost.Build(options, new OsdMap());
        await host.StartAsync();
        Assert.All(new[] { "public", "cluster", "hb_back_server", "hb_front_server" }, m => Assert.Equal(IPAddress.IPv6Loopback, Bound(host, m).Address));
        await host.StopAsync();
    }

    private static IPEndPoint Bound(WebApplication host, string messenger) =>
        Assert.Single(host.Services.GetMessenger(messenger).MyAddrs).EndPoint!;

    /// <summary>The first of <paramref name="count"/> consecutive ports free right now, above the ephemeral range's usual start.</summary>
    private static int FreeRange(int count)
    {
        for (int start = 20000 + Random.Shared.Next(0, 20000); ; start += count)
        {
            var listeners = new List<TcpListener>();
            try
            {
                for (int p = start; p < start + count; p++)
                {
                    var l = new TcpListener(IPAddress.Any, p);
                    l.Start();
                    listeners.Add(l);
                }

                return start;
            }
            catch (SocketException)
            {
                // taken: try further up
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }
    }
}
