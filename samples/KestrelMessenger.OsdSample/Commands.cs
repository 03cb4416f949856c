using System.CommandLine;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample;

/// <summary>The sample's command line: one OSD, the three-OSD demo, and the load generator.</summary>
internal static class Commands
{
    /// <summary><c>osd --id N [--peer ID=PUBLIC,CLUSTER,HB_BACK,HB_FRONT]…</c>: run one OSD until Ctrl+C.</summary>
    public static Command Osd()
    {
        var id = new Option<int>("--id") { Description = "the OSD id (osd.N)", Required = true };
        var ports = new Option<int>("--base-port") { Description = "bind public, cluster, hb_back, hb_front at this port and the next three (0: walk 6800..7300)" };
        var nonce = new Option<uint?>("--nonce") { Description = "address nonce (fixed so peers configured with it can reach us); random when unset" };
        var peers = new Option<string[]>("--peer") { Description = "a peer: ID=v2:IP:PORT/NONCE (its base port; the next three ports are its cluster, hb_back and hb_front)", AllowMultipleArgumentsPerToken = true };
        var grace = new Option<double>("--heartbeat-grace") { Description = "seconds of heartbeat silence before a peer is reported failed (osd_heartbeat_grace)", DefaultValueFactory = _ => 20 };
        var interval = new Option<double>("--heartbeat-interval") { Description = "seconds between heartbeats (osd_heartbeat_interval)", DefaultValueFactory = _ => 6 };
        var conf = new Option<FileInfo?>("--conf", "-c") { Description = "a ceph.conf: fsid and mon_host are read from [global]" };
        var monHost = new Option<string?>("--mon-host", "-m") { Description = "monitors to join, as mon_host writes them (overrides --conf)" };
        var uuid = new Option<Guid?>("--uuid") { Description = "this OSD's uuid, as given to `ceph osd new UUID` (needed with monitors)" };
        var beacon = new Option<double>("--beacon-interval") { Description = "seconds between MOSDBeacons (osd_beacon_report_interval)", DefaultValueFactory = _ => 300 };
        var command = new Command("osd", "Run one OSD until Ctrl+C or SIGTERM; with monitors it boots and stays up like ceph-osd.") { id, ports, nonce, peers, grace, interval, conf, monHost, uuid, beacon };
        command.SetAction(async (parse, ct) =>
        {
            int basePort = parse.GetValue(ports);
            var options = new OsdOptions
            {
                Id = parse.GetValue(id),
                Nonce = parse.GetValue(nonce),
                PublicPort = basePort,
                ClusterPort = basePort == 0 ? 0 : basePort + 1,
                HeartbeatBackPort = basePort == 0 ? 0 : basePort + 2,
                HeartbeatFrontPort = basePort == 0 ? 0 : basePort + 3,
                HeartbeatGrace = TimeSpan.FromSeconds(parse.GetValue(grace)),
                HeartbeatInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                Uuid = parse.GetValue(uuid),
                BeaconInterval = TimeSpan.FromSeconds(parse.GetValue(beacon)),
            };
            if (parse.GetValue(conf) is FileInfo file)
            {
                Dictionary<string, string> global = CephConf.Global(file.FullName);
                options.MonHost = global.GetValueOrDefault("mon_host");
                options.Fsid = global.TryGetValue("fsid", out string? fsid) ? Guid.Parse(fsid) : options.Fsid;
            }

            options.MonHost = parse.GetValue(monHost) ?? options.MonHost;
            var map = new OsdMap();
            foreach (string peer in parse.GetValue(peers) ?? [])
            {
                map.Set(ParsePeer(peer));
            }

            try
            {
                await using WebApplication host = OsdHost.Build(options, map);
                host.Services.GetRequiredService<Osd.Osd>().Heartbeats.PeerStateChanged += e =>
                    Console.WriteLine(e.Failed ? $"EVENT osd.{e.Peer} failed ({e.Networks} silent {e.Silence.TotalSeconds:0.0} s)" : $"EVENT osd.{e.Peer} up");
                await host.RunAsync(ct);
                return 0;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"osd.{options.Id}: {e.Message}");
                return 1;
            }
            catch (Exception e) when (Unwrap(e) is MonRefusedException refused)
            {
                Console.Error.WriteLine($"osd.{options.Id}: {refused.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary><c>demo</c>: three OSDs, heartbeats, load, a failure, a clean shutdown.</summary>
    public static Command Demo()
    {
        var seconds = new Option<double>("--seconds") { Description = "how long the load runs", DefaultValueFactory = _ => 10 };
        var command = new Command("demo", "Start three OSDs, heartbeat, run the load generator, stop one OSD, watch the others report it failed, shut down.") { seconds };
        command.SetAction((parse, ct) => DemoRunner.RunAsync(TimeSpan.FromSeconds(parse.GetValue(seconds)), ct));
        return command;
    }

    /// <summary><c>bench</c>: the load generator against running OSDs.</summary>
    public static Command Bench()
    {
        var osds = new Option<string[]>("--osd") { Description = "an OSD's public address: ID=v2:IP:PORT/NONCE", Required = true, AllowMultipleArgumentsPerToken = true };
        var objects = new Option<int>("--objects") { Description = "objects to write then read", DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { Description = "object size in bytes", DefaultValueFactory = _ => 4096 };
        var threads = new Option<int>("--threads", "-t") { Description = "operations in flight", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "stop each phase after this long (0: no limit)", DefaultValueFactory = _ => 0 };
        var command = new Command("bench", "Write then read N objects through an objecter messenger with T ops in flight; print ops/s, MB/s and latency.") { osds, objects, size, threads, seconds };
        command.SetAction(async (parse, ct) =>
        {
            var map = new OsdMap();
            foreach (string osd in parse.GetValue(osds)!)
            {
                int eq = osd.IndexOf('=');
                map.Set(new OsdInfo(int.Parse(osd[..eq], System.Globalization.CultureInfo.InvariantCulture), EntityAddrVec.Parse(osd[(eq + 1)..]), EntityAddrVec.Empty, EntityAddrVec.Empty, EntityAddrVec.Empty));
            }

            var settings = new KestrelMessenger.OsdSample.Bench.BenchSettings(parse.GetValue(objects), parse.GetValue(size), parse.GetValue(threads), TimeSpan.FromSeconds(parse.GetValue(seconds)));
            KestrelMessenger.OsdSample.Bench.BenchReport report = await KestrelMessenger.OsdSample.Bench.BenchRunner.RunAsync(map, settings, Console.Out, ct);
            report.Print(Console.Out);
            return report.Errors == 0 ? 0 : 1;
        });
        return command;
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;

    private static OsdInfo ParsePeer(string peer)
    {
        int eq = peer.IndexOf('=');
        EntityAddr basic = EntityAddr.Parse(peer[(eq + 1)..]);
        EntityAddrVec At(int offset) => new(basic with { EndPoint = new System.Net.IPEndPoint(basic.EndPoint!.Address, basic.EndPoint.Port + offset) });
        return new OsdInfo(int.Parse(peer[..eq], System.Globalization.CultureInfo.InvariantCulture), At(0), At(1), At(2), At(3));
    }
}
