namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// The monitor client never gives up: an OSD hunts with backoff for as long as it runs, logs each state
/// change once, and comes back up by itself when the real ceph-mon returns, whether it was down when
/// the OSD started or went away later. A fast hunt interval keeps the tests short.
/// </summary>
public class MonitorOutageTests(RealClusterFixture cluster) : IClassFixture<RealClusterFixture>
{
    private static readonly string[] FastHunt = ["--beacon-interval", "5", "--set", "mon_client_hunt_interval=0.5"];

    [Fact]
    public async Task An_osd_started_while_the_monitor_is_down_hunts_until_it_returns_then_comes_up()
    {
        await cluster.StopMonitorAsync();
        try
        {
            OsdProcess osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid, FastHunt);
            await osd.WaitForAsync("hunt attempt 3:"); // three attempts failed, and it is still hunting
            Assert.False(osd.HasExited);
            await cluster.StartMonitorAsync();

            await osd.WaitUntilUpAsync(cluster.OsdId);
            Assert.True((await cluster.OsdStateAsync(cluster.OsdId)).Up);
            Assert.Equal(1, osd.Count("no monitor answers yet")); // one warning, however many attempts
            Assert.Equal(0, await osd.StopAsync());
        }
        finally
        {
            if (!Alive(cluster.MonPid))
            {
                await cluster.StartMonitorAsync();
            }
        }
    }

    [Fact]
    public async Task After_an_outage_of_several_hunt_attempts_the_osd_is_up_again_and_beaconing()
    {
        OsdProcess osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid, FastHunt);
        await osd.WaitUntilUpAsync(cluster.OsdId);

        await cluster.StopMonitorAsync();
        await osd.WaitForAsync("monitor session lost");
        await osd.WaitForAsync("hunt attempt 4:"); // backing off: 0.75 s, 1.1 s, 1.7 s, 2.5 s …
        await cluster.StartMonitorAsync();
        await osd.WaitForAsync("monitor session with", occurrences: 2);

        // The restarted monitor marks an OSD down after mon_osd_report_timeout (20 s here) without a
        // beacon; still up past it, and serving rados, means the beacons flow on the new session.
        await Task.Delay(TimeSpan.FromSeconds(25));
        Assert.True((await cluster.OsdStateAsync(cluster.OsdId)).Up);
        string file = Path.Combine(cluster.Directory, "after-outage");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);
        Assert.Equal(0, (await cluster.RadosAsync("put", "after-outage", file)).ExitCode);
        Assert.Equal(1, osd.Count("monitor session lost")); // each state change logged once
        Assert.Equal(0, osd.Count("monitor session step failed"));
        Assert.Equal(0, await osd.StopAsync());
    }

    [Fact]
    public async Task Marked_down_while_running_it_boots_again_at_the_same_address()
    {
        OsdProcess osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid, FastHunt);
        await osd.WaitUntilUpAsync(cluster.OsdId);
        (_, uint nonce) = await cluster.OsdStateAsync(cluster.OsdId);

        Assert.Equal(0, (await cluster.CephAsync("osd", "down", $"osd.{cluster.OsdId}")).ExitCode);
        await osd.WaitForAsync("the monitors marked us down");
        await osd.WaitUntilUpAsync(cluster.OsdId, times: 2);
        Assert.Equal((true, nonce), await cluster.OsdStateAsync(cluster.OsdId));
        Assert.Equal(0, await osd.StopAsync());
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
