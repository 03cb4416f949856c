using System.Collections.Concurrent;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>OSDs ping each other with MOSDPing on both heartbeat networks and report silent peers.</summary>
public class HeartbeatTests
{
    [Theory]
    [MemberData(nameof(Clusters.Transports), MemberType = typeof(Clusters))]
    public async Task Heartbeats_flow_on_the_back_and_front_networks(TransportKind transport)
    {
        await using LocalCluster cluster = Clusters.Create(transport);
        Osd.Osd a = await cluster.StartAsync(0);
        Osd.Osd b = await cluster.StartAsync(1);

        await Clusters.EventuallyAsync(
            () => a.Heartbeats.RepliesBack > 2 && a.Heartbeats.RepliesFront > 2 && b.Heartbeats.RepliesBack > 2 && b.Heartbeats.RepliesFront > 2,
            TimeSpan.FromSeconds(10), "heartbeat replies on both networks");
        Assert.Empty(a.Heartbeats.FailedPeers);
        Assert.Empty(b.Heartbeats.FailedPeers);
    }

    [Theory]
    [MemberData(nameof(Clusters.Transports), MemberType = typeof(Clusters))]
    public async Task A_stopped_osd_is_reported_failed_within_grace_and_up_when_it_returns(TransportKind transport)
    {
        var grace = TimeSpan.FromSeconds(1.5);
        await using LocalCluster cluster = Clusters.Create(transport, grace: grace);
        var events = new ConcurrentQueue<HeartbeatEvent>();
        Osd.Osd watcher = await cluster.StartAsync(0);
        watcher.Heartbeats.PeerStateChanged += events.Enqueue;
        await cluster.StartAsync(1);
        await Clusters.EventuallyAsync(() => watcher.Heartbeats.RepliesFront > 2, TimeSpan.FromSeconds(10), "heartbeats before the stop");

        DateTime stopped = DateTime.UtcNow;
        await cluster.StopAsync(1);
        await Clusters.EventuallyAsync(() => watcher.Heartbeats.FailedPeers.Contains(1), grace * 3, "osd.1 reported failed");
        TimeSpan detection = DateTime.UtcNow - stopped;
        HeartbeatEvent failed = Assert.Single(events);
        Assert.True(failed is { Failed: true, Peer: 1, Observer: 0 });
        // The grace counts from the last reply, which came up to one ping interval (200 ms) before the stop:
        // the peer was silent for at least the grace, and the report came within the grace plus a few intervals.
        Assert.True(failed.Silence >= grace, $"reported after {failed.Silence} of silence, before the grace");
        Assert.InRange(detection, grace - TimeSpan.FromMilliseconds(400), grace + TimeSpan.FromSeconds(1.5));

        await cluster.StartAsync(1); // a fresh nonce and fresh ports, published in the map
        await Clusters.EventuallyAsync(() => watcher.Heartbeats.FailedPeers.Count == 0, TimeSpan.FromSeconds(10), "osd.1 reported up again");
        Assert.Contains(events, e => e is { Failed: false, Peer: 1 });
    }
}
