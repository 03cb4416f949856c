using System.Net;
using System.Net.Sockets;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// An OSD the real monitors will not have, or cannot reach in time, exits 2 with one line on stderr
/// naming the cause, and no stack trace anywhere.
/// </summary>
public class RefusalTests(CephClusterFixture cluster) : IClassFixture<CephClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_unknown_osd_id_is_refused_with_the_command_that_would_create_it()
    {
        OsdProcess osd = cluster.StartOsd(42, Guid.NewGuid());
        string line = await RefusedAsync(osd);
        Assert.StartsWith("osd.42: the monitors do not know osd.42: create it first with `ceph osd new", line);
    }

    [Fact]
    public async Task A_wrong_cluster_fsid_is_refused()
    {
        string conf = Path.Combine(cluster.Directory, "wrong-fsid.conf");
        Guid wrong = Guid.NewGuid();
        string monHost = File.ReadLines(cluster.Conf).First(l => l.TrimStart().StartsWith("mon_host", StringComparison.Ordinal));
        await File.WriteAllTextAsync(conf, $"[global]\nfsid = {wrong}\n{monHost}\n");

        await using var osd = OsdProcess.Start("--id", cluster.OsdId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--uuid", cluster.Uuid.ToString(), "--conf", conf);
        string line = await RefusedAsync(osd);
        Assert.Contains($"is not ours ({wrong}): wrong cluster", line);
    }

    [Fact]
    public async Task No_uuid_with_monitors_is_refused_before_anything_is_sent()
    {
        await using var osd = OsdProcess.Start("--id", cluster.OsdId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--conf", cluster.Conf);
        string line = await RefusedAsync(osd);
        Assert.Contains("needs its uuid", line);
    }

    [Fact]
    public async Task A_monitor_unreachable_past_the_connect_timeout_is_refused()
    {
        int closed;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closed = ((IPEndPoint)probe.LocalEndpoint).Port; // nothing listens there once the probe is gone
        }

        await using var osd = OsdProcess.Start("--id", "0", "--uuid", Guid.NewGuid().ToString(), "--mon-host", $"v2:127.0.0.1:{closed}",
            "--mon-connect-timeout", "3", "--set", "mon_client_hunt_interval=1");
        string line = await RefusedAsync(osd);
        Assert.StartsWith("osd.0: no monitor answered within 3 s (client_mount_timeout)", line);
        Assert.Contains($"v2:127.0.0.1:{closed}/0: connection refused", line);
        Assert.True(osd.Count("hunt attempt") >= 2, "it hunted again before giving up"); // debug lines, one per attempt
        Assert.Equal(1, osd.Count("no monitor answers yet")); // the state change is logged once
    }

    /// <summary>Exit code 2, exactly one line on stderr, no stack trace on either stream; returns the line.</summary>
    private static async Task<string> RefusedAsync(OsdProcess osd)
    {
        Assert.Equal(2, await osd.WaitForExitAsync(Patience));
        string line = Assert.Single(osd.Errors);
        Assert.DoesNotContain(osd.Output.Concat(osd.Errors), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        return line;
    }
}
