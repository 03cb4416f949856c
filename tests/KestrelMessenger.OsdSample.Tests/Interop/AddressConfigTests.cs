using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>A cluster on [::1]: ms_bind_ipv6 = true, ms_bind_ipv4 = false, mon_host and public_addr IPv6.</summary>
public sealed class Ipv6ClusterFixture : CephClusterFixture
{
    protected override bool Ipv6 => true;

    protected override IEnumerable<string> ClusterOptions => ["--ipv6"];
}

/// <summary>The OSD binds where ceph.conf says, and the real monitor registers those addresses.</summary>
public class Ipv6ClusterTests(Ipv6ClusterFixture cluster) : IClassFixture<Ipv6ClusterFixture>
{
    [Fact]
    public async Task On_an_ipv6_cluster_the_osd_registers_ipv6_addresses_and_serves_rados()
    {
        OsdProcess osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid);
        await osd.WaitUntilUpAsync(cluster.OsdId);

        JsonElement dumped = await cluster.OsdDumpAsync(cluster.OsdId);
        foreach (string kind in new[] { "public_addrs", "cluster_addrs", "heartbeat_back_addrs", "heartbeat_front_addrs" })
        {
            JsonElement addr = Assert.Single(dumped.GetProperty(kind).GetProperty("addrvec").EnumerateArray());
            Assert.Equal("v2", addr.GetProperty("type").GetString());
            Assert.StartsWith("[::1]:", addr.GetProperty("addr").GetString());
        }

        string file = Path.Combine(cluster.Directory, "v6");
        await File.WriteAllBytesAsync(file, [6, 6, 6]);
        Assert.Equal(0, (await cluster.RadosAsync("put", "over-ipv6", file)).ExitCode);
        Assert.Equal(0, (await cluster.RadosAsync("get", "over-ipv6", file + ".out")).ExitCode);
        Assert.Equal([6, 6, 6], await File.ReadAllBytesAsync(file + ".out"));
        Assert.Equal(0, await osd.StopAsync());
    }
}

/// <summary>
/// public_network picks a local interface address the way Ceph's pick_addresses does, never from the
/// interface named lo. The host's only loopback is lo, so the cluster runs in a network namespace of
/// its own (`unshare --net`, as root) with a veth interface holding 127.100.0.1/16: still the loopback
/// range, on another interface. Mon, our OSD and the ceph CLI all run inside it and are stopped by PID.
/// </summary>
public class PublicNetworkTests
{
    [Fact]
    public async Task Public_network_and_the_port_range_from_ceph_conf_decide_where_the_osd_binds()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kmsgr-netns-{Guid.NewGuid():N}");
        string extra = dir + ".extra.conf";
        string dump = dir + ".dump.json";
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port; // in the new namespace every port is free anyway
        }

        // [global] says public_addr = cluster_addr = 127.0.0.1; the [osd] section blanks them, so the
        // networks decide: the IPv6 one is not of the bound family, and 127.0.0.0/8 also holds lo's 127.0.0.1, which Ceph skips.
        await File.WriteAllTextAsync(extra, "[osd]\npublic_addr =\ncluster_addr =\npublic_network = ::1/128, 127.0.0.0/8\nms_bind_port_min = 7400\nms_bind_port_max = 7420\n");
        string script = $"""
            set -euo pipefail
            ip link set lo up
            ip link add kt0 type veth peer name kt1
            ip addr add 127.100.0.1/16 dev kt0
            ip link set kt0 up; ip link set kt1 up
            OSD_SAMPLE_DLL='{Path.Combine(AppContext.BaseDirectory, "osd-sample.dll")}' bash '{Path.Combine(KestrelMessenger.Tests.Harness.Processes.RepoRoot(), "scripts", "osd-cluster.sh")}' '{dir}' {port} ours --extra-conf '{extra}' > '{dir}.info'
            pids=$(sed -n 's/^mon_pid=\([0-9]*\) osd_pid=\([0-9]*\).*/\1 \2/p' '{dir}.info')
            trap 'kill -TERM $pids; for p in $pids; do for _ in $(seq 1 50); do kill -0 $p 2>/dev/null || break; sleep 0.2; done; kill -KILL $p 2>/dev/null || true; done' EXIT
            ceph -c '{dir}/ceph.conf' --connect-timeout 30 osd dump -f json > '{dump}'
            """;
        try
        {
            (int exit, string output, string errors) = await Processes.RunAsync("unshare", ["--net", "bash", "-c", script]);
            Assert.True(exit == 0, $"{output}\n{errors}");
            using JsonDocument doc = JsonDocument.Parse(await File.ReadAllTextAsync(dump));
            JsonElement osd = Assert.Single(doc.RootElement.GetProperty("osds").EnumerateArray());
            Assert.Equal(1, osd.GetProperty("up").GetInt32());
            foreach (string kind in new[] { "public_addrs", "cluster_addrs", "heartbeat_back_addrs", "heartbeat_front_addrs" })
            {
                IPEndPoint bound = IPEndPoint.Parse(Assert.Single(osd.GetProperty(kind).GetProperty("addrvec").EnumerateArray()).GetProperty("addr").GetString()!);
                Assert.Equal(IPAddress.Parse("127.100.0.1"), bound.Address); // kt0's, not lo's 127.0.0.1
                Assert.InRange(bound.Port, 7400, 7420);
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }

            foreach (string file in new[] { extra, dump, dir + ".info" })
            {
                File.Delete(file);
            }
        }
    }
}
