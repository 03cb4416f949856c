using System.Collections.Concurrent;
using System.Diagnostics;
using KestrelMessenger.OsdSample.Bench;
using KestrelMessenger.OsdSample.Osd;

namespace KestrelMessenger.OsdSample.Demo;

/// <summary>
/// The README's main command: three OSDs in one process heartbeat each other, the load generator
/// writes and reads through them, one OSD is stopped and the other two report it failed, and
/// everything shuts down cleanly.
/// </summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(TimeSpan load, CancellationToken ct)
    {
        // Ceph's defaults (6 s interval, 20 s grace) would make the demo wait half a minute for a failure.
        var interval = TimeSpan.FromSeconds(1);
        var grace = TimeSpan.FromSeconds(4);
        var events = new ConcurrentQueue<HeartbeatEvent>();
        var clock = Stopwatch.StartNew();
        await using var cluster = new LocalCluster(id => new OsdOptions { Id = id, HeartbeatInterval = interval, HeartbeatGrace = grace },
            b => b.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("KestrelMessenger", LogLevel.Error));

        Console.WriteLine($"starting osd.0, osd.1, osd.2 (seven messengers each; heartbeat every {interval.TotalSeconds} s, grace {grace.TotalSeconds} s)");
        for (int id = 0; id < 3; id++)
        {
            Osd.Osd osd = await cluster.StartAsync(id);
            osd.Heartbeats.PeerStateChanged += e =>
            {
                events.Enqueue(e);
                Console.WriteLine(e.Failed
                    ? $"  EVENT osd.{e.Observer} reports osd.{e.Peer} FAILED: no heartbeat reply on {e.Networks} for {e.Silence.TotalSeconds:0.0} s"
                    : $"  EVENT osd.{e.Observer} reports osd.{e.Peer} up again");
            };
            Console.WriteLine($"  osd.{id}: public {osd.Info!.Public}  cluster {osd.Info.Cluster}  hb_back {osd.Info.HeartbeatBack}  hb_front {osd.Info.HeartbeatFront}");
        }

        await Task.Delay(interval * 3, ct);
        Console.WriteLine($"heartbeats flowing: {string.Join(", ", cluster.Running.Order().Select(id => $"osd.{id} got {cluster.Get(id).Heartbeats.RepliesBack} back + {cluster.Get(id).Heartbeats.RepliesFront} front replies"))}");

        Console.WriteLine($"load: writing then reading 4 KiB objects with 16 ops in flight for about {load.TotalSeconds:0} s");
        var settings = new BenchSettings(Objects: int.MaxValue, Size: 4096, InFlight: 16, PhaseLimit: load / 2);
        BenchReport report = await BenchRunner.RunAsync(cluster.Map, settings, Console.Out, ct);
        report.Print(Console.Out);
        Console.WriteLine($"objects stored: {string.Join(", ", cluster.Running.Order().Select(id => $"osd.{id} {cluster.Get(id).Store.Count}"))} (each write lives on its primary and one replica)");

        Console.WriteLine("stopping osd.2");
        await cluster.StopAsync(2);
        var deadline = Stopwatch.StartNew();
        while (!(Reported(events, 0, 2) && Reported(events, 1, 2)) && deadline.Elapsed < grace + (interval * 5))
        {
            await Task.Delay(100, ct);
        }

        bool detected = Reported(events, 0, 2) && Reported(events, 1, 2);
        Console.WriteLine(detected
            ? $"osd.0 and osd.1 reported osd.2 failed {deadline.Elapsed.TotalSeconds:0.0} s after it stopped"
            : "osd.2's failure was NOT reported in time");

        Console.WriteLine("shutting down osd.0 and osd.1");
        await cluster.DisposeAsync();
        Console.WriteLine();
        Console.WriteLine("summary");
        Console.WriteLine($"  OSDs started          3 (21 messengers), stopped cleanly");
        Console.WriteLine($"  load                  {report.Summary}");
        Console.WriteLine($"  failure detection     {(detected ? "osd.2 reported failed by both peers" : "missed")}");
        Console.WriteLine($"  total time            {clock.Elapsed.TotalSeconds:0.0} s");
        return detected && report.Errors == 0 ? 0 : 1;
    }

    private static bool Reported(ConcurrentQueue<HeartbeatEvent> events, int observer, int peer) =>
        events.Any(e => e.Failed && e.Observer == observer && e.Peer == peer);
}
