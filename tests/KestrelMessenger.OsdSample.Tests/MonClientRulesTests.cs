using KestrelMessenger.OsdSample.Osd;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>The OSD's monitor-side decisions, as pure rules: exit codes, failure reports, heartbeat peers (the hunt rules are the library's: tests/KestrelMessenger.Tests/Mon).</summary>
public class MonClientRulesTests
{
    public static TheoryData<Exception, bool, int?> Outcomes => new()
    {
        { new MonRefusedException(MonRefusal.UnknownOsd, "x"), false, 2 },
        { new MonRefusedException(MonRefusal.MonitorUnreachable, "x"), false, 2 },
        { new AggregateException(new MonRefusedException(MonRefusal.WrongFsid, "x")), false, 2 },
        { new OsdConfigException("x"), false, 1 },
        { new IOException("could not bind"), false, 1 },
        { new OperationCanceledException(), true, 0 },
        { new OperationCanceledException(), false, null },
        { new InvalidOperationException("a bug"), false, null },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Each_way_a_start_ends_has_one_exit_code(Exception e, bool stopping, int? exitCode) =>
        Assert.Equal(exitCode, StartOutcome.Of(e, stopping)?.ExitCode);

    [Fact]
    public void A_failure_is_sent_once_and_stays_pending()
    {
        var reports = new FailureReports();
        DateTime since = DateTime.UtcNow.AddSeconds(-21);
        reports.Failed(2, since);
        FailureReport sent = Assert.Single(reports.TakeDue(since.AddSeconds(21.7)));
        Assert.Equal((2, true, 21.7), (sent.Peer, sent.Failed, Math.Round(sent.FailedFor.TotalSeconds, 1)));
        reports.Failed(2, since); // heartbeat_check finds it still silent
        Assert.Empty(reports.TakeDue(DateTime.UtcNow));
        Assert.Equal([2], reports.Pending);
    }

    [Fact]
    public void A_reported_peer_that_answers_again_gets_one_still_alive_report()
    {
        var reports = new FailureReports();
        reports.Failed(2, DateTime.UtcNow);
        reports.TakeDue(DateTime.UtcNow);
        reports.Recovered(2);
        FailureReport alive = Assert.Single(reports.TakeDue(DateTime.UtcNow));
        Assert.Equal((2, false), (alive.Peer, alive.Failed));
        Assert.Empty(reports.TakeDue(DateTime.UtcNow));
        Assert.Empty(reports.Pending);
    }

    [Fact]
    public void A_queued_failure_that_recovers_before_it_was_sent_is_never_sent()
    {
        var reports = new FailureReports();
        reports.Failed(4, DateTime.UtcNow);
        reports.Recovered(4);
        Assert.Empty(reports.TakeDue(DateTime.UtcNow));
    }

    [Fact]
    public void A_new_monitor_session_sends_every_pending_failure_again_with_its_original_time()
    {
        var reports = new FailureReports();
        DateTime since = DateTime.UtcNow.AddSeconds(-30);
        reports.Failed(1, since);
        reports.Failed(3, since);
        reports.TakeDue(since.AddSeconds(30));
        reports.Requeue();
        Assert.Equal([(1, 40.0), (3, 40.0)], reports.TakeDue(since.AddSeconds(40)).Select(r => (r.Peer, r.FailedFor.TotalSeconds)));
    }

    [Fact]
    public void A_peer_the_monitors_marked_down_is_forgotten()
    {
        var reports = new FailureReports();
        reports.Failed(1, DateTime.UtcNow);
        reports.TakeDue(DateTime.UtcNow);
        reports.Forget(1);
        reports.Requeue();
        Assert.Empty(reports.TakeDue(DateTime.UtcNow));
    }

    public static TheoryData<int, int[], int, int[]> PeerChoices => new()
    {
        { 0, [0], 10, [] },
        { 0, [0, 1], 10, [1] },
        { 3, [0, 1, 2, 3, 4, 5], 10, [0, 1, 2, 4, 5] },         // small cluster: every up OSD
        { 3, [0, 1, 2, 3, 4, 5, 6, 7], 2, [2, 4] },             // next and previous up
        { 3, [0, 1, 2, 3, 4, 5, 6, 7], 4, [2, 4, 5, 6] },       // then the following ones
        { 7, [0, 1, 2, 3, 4, 5, 6, 7], 3, [0, 1, 6] },          // wrapping past the highest id
        { 9, [2, 4, 6], 1, [2, 6] },                            // self not up: around where it would be
    };

    [Theory]
    [MemberData(nameof(PeerChoices))]
    public void Heartbeat_peers_are_chosen_as_ceph_does_without_pgs(int self, int[] up, int minPeers, int[] expected) =>
        Assert.Equal(expected, HeartbeatPeerSelection.Choose(self, up, minPeers));
}
