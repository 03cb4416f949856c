using KestrelMessenger.Testing;
namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// A cluster where only failure reports can mark an OSD down quickly: the monitor waits the default
/// 900 s (mon_osd_report_timeout) for missing beacons, one reporter suffices (the default wants two
/// hosts), and the heartbeat grace is 3 s for the OSDs and the monitor alike.
/// </summary>
public sealed class FailureDetectionClusterFixture : CephClusterFixture
{
    public const int GraceSeconds = 3;

    protected override string ExtraConf => $"""
        [mon]
        mon_osd_report_timeout = 900
        mon_osd_min_down_reporters = 1
        osd_heartbeat_grace = {GraceSeconds}
        [osd]
        osd_heartbeat_grace = {GraceSeconds}
        osd_heartbeat_interval = 1
        osd_mon_report_interval = 1

        """;
}

/// <summary>When heartbeats decide a peer has failed, our OSD tells the real monitor with MOSDFailure, as ceph-osd does.</summary>
public class FailureReportTests(FailureDetectionClusterFixture cluster) : IClassFixture<FailureDetectionClusterFixture>
{
    [Fact]
    public async Task A_killed_peer_is_reported_and_marked_down_within_the_grace_not_the_report_timeout()
    {
        int reporterId = cluster.OsdId;
        (int victimId, Guid victimUuid) = await cluster.RegisterOsdAsync(host: "kmsgr-b"); // another CRUSH host, as Ceph counts reporters
        OsdProcess reporter = cluster.StartOsd(reporterId, cluster.Uuid);
        OsdProcess victim = cluster.StartOsd(victimId, victimUuid);
        await reporter.WaitUntilUpAsync(reporterId);
        await victim.WaitUntilUpAsync(victimId);

        await victim.KillAsync(); // SIGKILL: no goodbye, only silence
        // Beacons alone would take 900 s; a minute is the grace, the report interval and a paxos round, with room.
        await cluster.WaitForStateAsync(victimId, up: false, TimeSpan.FromSeconds(60), $"the monitor never marked the killed osd.{victimId} down");

        Assert.Equal(1, reporter.Count($"reporting osd.{victimId} failed to the monitor"));
        // The cluster log is committed on its own paxos round, which may land after the osdmap that marked it down.
        string clusterLog = "";
        for (DateTime until = DateTime.UtcNow.AddSeconds(15); ; await Task.Delay(500))
        {
            clusterLog = (await cluster.CephAsync("log", "last", "100")).Output;
            if (clusterLog.Contains($"osd.{victimId} failed (", StringComparison.Ordinal) || DateTime.UtcNow > until)
            {
                break;
            }
        }

        Assert.Contains($"osd.{victimId} failed (root=default,host=kmsgr-b) (1 reporters from different host after", clusterLog);
        Assert.Contains($">= grace {FailureDetectionClusterFixture.GraceSeconds}.", clusterLog);

        // Restarted at new addresses, it is heartbeated afresh: the old instance's silence is not held against it.
        victim = cluster.StartOsd(victimId, victimUuid);
        await victim.WaitUntilUpAsync(victimId);
        await Task.Delay(TimeSpan.FromSeconds(FailureDetectionClusterFixture.GraceSeconds * 3));
        Assert.True((await cluster.OsdStateAsync(victimId)).Up);
        Assert.Equal(1, reporter.Count($"reporting osd.{victimId} failed to the monitor"));
        Assert.Equal(0, await victim.StopAsync());
        Assert.Equal(0, await reporter.StopAsync());
    }
}
