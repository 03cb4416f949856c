using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Mon;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Mon;

/// <summary>The MonClient's pure rules: Ceph's hunt backoff, its MonSub bookkeeping, and mon_host parsing.</summary>
public class HuntRulesTests
{
    [Fact]
    public void Before_the_first_session_every_hunt_attempt_waits_the_base_interval()
    {
        var backoff = new HuntBackoff(backoff: 1.5, maxMultiple: 10);
        Assert.Equal([1.0, 1.0, 1.0, 1.0], Enumerable.Range(0, 4).Select(_ => backoff.StartAttempt()));
    }

    [Fact]
    public void After_a_session_each_attempt_backs_off_by_the_factor_up_to_the_max_multiple()
    {
        var backoff = new HuntBackoff(backoff: 1.5, maxMultiple: 10);
        backoff.StartAttempt();
        backoff.Found();
        double[] multiples = [.. Enumerable.Range(0, 8).Select(_ => Math.Round(backoff.StartAttempt(), 4))];
        Assert.Equal([1.5, 2.25, 3.375, 5.0625, 7.5938, 10, 10, 10], multiples);
    }

    [Fact]
    public void A_session_found_and_each_healthy_keepalive_round_relax_the_backoff_to_the_minimum()
    {
        var backoff = new HuntBackoff(backoff: 1.5, maxMultiple: 10);
        backoff.Found();
        for (int i = 0; i < 6; i++)
        {
            backoff.StartAttempt(); // 1.5, 2.25, … 10
        }

        backoff.Found();
        Assert.Equal(10 / 1.5, backoff.Multiplier, 6);
        for (int i = 0; i < 10; i++)
        {
            backoff.Relax();
        }

        Assert.Equal(1.0, backoff.Multiplier);
    }

    [Fact]
    public void The_min_multiple_is_the_floor_the_backoff_relaxes_to()
    {
        var backoff = new HuntBackoff(backoff: 2, maxMultiple: 8, minMultiple: 0.5);
        Assert.Equal(0.5, backoff.StartAttempt());
        backoff.Found();
        Assert.Equal([1.0, 2.0, 4.0, 8.0, 8.0], Enumerable.Range(0, 5).Select(_ => backoff.StartAttempt()));
        for (int i = 0; i < 6; i++)
        {
            backoff.Relax();
        }

        Assert.Equal(0.5, backoff.Multiplier);
    }

    [Fact]
    public void A_want_is_sent_once_and_wanted_again_on_a_new_session()
    {
        var subs = new MonSubscriptions();
        Assert.True(subs.Want("osdmap", 5, 0));
        Assert.False(subs.Want("osdmap", 5, 0)); // the same want twice is nothing new
        Assert.Equal(new SubscribeItem(5, 0), subs.Pending["osdmap"]);
        subs.Renewed();
        Assert.False(subs.HaveNew);
        Assert.False(subs.Want("osdmap", 5, 0)); // already sent
        Assert.True(subs.Reload());
        Assert.Equal(new SubscribeItem(5, 0), subs.Pending["osdmap"]);
    }

    [Fact]
    public void Got_moves_a_continuous_want_past_the_epoch_we_have_and_ends_a_one_time_want()
    {
        var subs = new MonSubscriptions();
        subs.Want("osdmap", 0, 0);
        subs.Want("mgrmap", 0, MonSubscriptions.OneTime);
        subs.Renewed();
        subs.Got("osdmap", 41);
        subs.Got("mgrmap", 3);
        subs.Reload();
        Assert.Equal(new SubscribeItem(42, 0), Assert.Single(subs.Pending).Value);
    }

    [Fact]
    public void Got_an_epoch_older_than_the_start_changes_nothing()
    {
        var subs = new MonSubscriptions();
        subs.Want("osdmap", 10, 0);
        subs.Got("osdmap", 9);
        Assert.Equal(new SubscribeItem(10, 0), subs.Pending["osdmap"]);
    }

    [Fact]
    public void A_newer_want_replaces_the_sent_one_and_unwant_forgets_both()
    {
        var subs = new MonSubscriptions();
        subs.Want("osdmap", 1, 0);
        subs.Renewed();
        Assert.True(subs.Want("osdmap", 7, 0));
        subs.Renewed();
        subs.Reload();
        Assert.Equal(7ul, subs.Pending["osdmap"].Start);
        subs.Unwant("osdmap");
        Assert.False(subs.Reload());
    }

    [Theory]
    [InlineData("v2:127.0.0.1:3300", new[] { "v2:127.0.0.1:3300/0" })]
    [InlineData("[v2:10.0.0.1:3300,v1:10.0.0.1:6789],[v2:10.0.0.2:3300,v1:10.0.0.2:6789]", new[] { "v2:10.0.0.1:3300/0", "v2:10.0.0.2:3300/0" })]
    [InlineData("v2:10.0.0.1:3300 v2:10.0.0.2:3300; v2:10.0.0.3:3300", new[] { "v2:10.0.0.1:3300/0", "v2:10.0.0.2:3300/0", "v2:10.0.0.3:3300/0" })]
    [InlineData("v1:10.0.0.1:6789", new string[0])]
    [InlineData("", new string[0])]
    public void Mon_host_is_read_as_ceph_conf_writes_it_keeping_v2_addresses(string monHost, string[] expected) =>
        Assert.Equal(expected, MonClientOptions.ParseMonHost(monHost).Select(v => Assert.Single(v).ToString()));

    [Fact]
    public void Options_that_cannot_work_are_named()
    {
        var options = new MonClientOptions { HuntInterval = TimeSpan.Zero, HuntParallel = -1, MonHost = ["v2:nonsense"] };
        string[] problems = [.. options.Validate()];
        Assert.Contains(problems, p => p.Contains("mon_client_hunt_interval", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("mon_client_hunt_parallel", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("mon_host", StringComparison.Ordinal));
    }
}
