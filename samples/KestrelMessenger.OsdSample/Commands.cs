using KestrelMessenger.Config;
using System.CommandLine;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample;

/// <summary>The sample's command line: one OSD, the three-OSD demo, and the load generator.</summary>
internal static class Commands
{
    /// <summary><c>osd --id N [--conf ceph.conf] [--peer …]…</c>: run one OSD until Ctrl+C or SIGTERM.</summary>
    public static Command Osd()
    {
        var id = new Option<int>("--id") { Description = "the OSD id (osd.N)", Required = true };
        var ports = new Option<int>("--base-port") { Description = "bind public, cluster, hb_back, hb_front at this port and the next three (0: walk ms_bind_port_min..max)" };
        var nonce = new Option<uint?>("--nonce") { Description = "address nonce (fixed so peers configured with it can reach us); random when unset" };
        var peers = new Option<string[]>("--peer") { Description = "a peer: ID=v2:IP:PORT/NONCE (its base port; the next three ports are its cluster, hb_back and hb_front)", AllowMultipleArgumentsPerToken = true };
        var conf = new Option<FileInfo?>("--conf", "-c") { Description = "a ceph.conf: options are read from [osd.N], [osd] and [global], in that order" };
        var monHost = new Option<string?>("--mon-host", "-m") { Description = "monitors to join, as mon_host writes them (overrides --conf)" };
        var uuid = new Option<Guid?>("--uuid") { Description = "this OSD's uuid, as given to `ceph osd new UUID` (needed with monitors)" };
        var set = new Option<string[]>("--set") { Description = "NAME=VALUE: set a Ceph option by name (e.g. mon_client_hunt_interval=1); overrides --conf", AllowMultipleArgumentsPerToken = true };
        var injectOn = new Option<string?>("--inject-on") { Description = "comma-separated messengers the ms_inject_* options apply to (default: all seven, as in Ceph), e.g. cluster" };

        // Ceph option names given their own flags; each overrides --conf, as a ceph-osd command line does.
        (Option<string?> Option, string Name)[] named =
        [
            (new Option<string?>("--heartbeat-grace") { Description = "seconds of heartbeat silence before a peer is reported failed (osd_heartbeat_grace, 20)" }, "osd_heartbeat_grace"),
            (new Option<string?>("--heartbeat-interval") { Description = "seconds between heartbeats (osd_heartbeat_interval, 6)" }, "osd_heartbeat_interval"),
            (new Option<string?>("--beacon-interval") { Description = "seconds between MOSDBeacons (osd_beacon_report_interval, 300)" }, "osd_beacon_report_interval"),
            (new Option<string?>("--mon-connect-timeout") { Description = "seconds to hunt for a monitor at start before exiting 2 (client_mount_timeout, 300)" }, "client_mount_timeout"),
            (new Option<string?>("--public-addr") { Description = "IP[:PORT] the public side binds (public_addr)" }, "public_addr"),
            (new Option<string?>("--cluster-addr") { Description = "IP[:PORT] the cluster side binds (cluster_addr)" }, "cluster_addr"),
            (new Option<string?>("--public-network") { Description = "CIDR list: bind a local address in one of them (public_network)" }, "public_network"),
            (new Option<string?>("--cluster-network") { Description = "CIDR list for the cluster side (cluster_network)" }, "cluster_network"),
            (new Option<string?>("--ms-bind-ipv4") { Description = "true/false (ms_bind_ipv4, true)" }, "ms_bind_ipv4"),
            (new Option<string?>("--ms-bind-ipv6") { Description = "true/false (ms_bind_ipv6, false)" }, "ms_bind_ipv6"),
            (new Option<string?>("--ms-bind-port-min") { Description = "lowest port a server messenger binds (ms_bind_port_min, 6800)" }, "ms_bind_port_min"),
            (new Option<string?>("--ms-bind-port-max") { Description = "highest port a server messenger binds (ms_bind_port_max, 7300)" }, "ms_bind_port_max"),
        ];
        var command = new Command("osd", "Run one OSD until Ctrl+C or SIGTERM; with monitors it boots and stays up like ceph-osd.") { id, ports, nonce, peers, conf, monHost, uuid, set, injectOn };
        foreach ((Option<string?> option, _) in named)
        {
            command.Options.Add(option);
        }

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
                Uuid = parse.GetValue(uuid),
            };
            try
            {
                if (parse.GetValue(conf) is FileInfo file)
                {
                    OsdConfig.Apply(CephConf.Load(file.FullName), options);
                }

                foreach ((Option<string?> option, string name) in named)
                {
                    if (parse.GetValue(option) is string value)
                    {
                        OsdConfig.Set(options, name, value);
                    }
                }

                foreach (string pair in parse.GetValue(set) ?? [])
                {
                    int eq = pair.IndexOf('=');
                    if (eq <= 0)
                    {
                        throw new OsdConfigException($"--set {pair}: expected NAME=VALUE");
                    }

                    OsdConfig.Set(options, pair[..eq], pair[(eq + 1)..]);
                }

                options.MonHost = parse.GetValue(monHost) ?? options.MonHost;
                if (parse.GetValue(injectOn) is string only)
                {
                    OsdConfig.InjectOn(options, only);
                }

                OsdConfig.Validate(options);
                var map = new OsdMap();
                foreach (string peer in parse.GetValue(peers) ?? [])
                {
                    map.Set(ParsePeer(peer));
                }

                await using WebApplication host = OsdHost.Build(options, map);
                host.Services.GetRequiredService<Osd.Osd>().Heartbeats.PeerStateChanged += e =>
                    Console.WriteLine(e.Failed ? $"EVENT osd.{e.Peer} failed ({e.Networks} silent {e.Silence.TotalSeconds:0.0} s)" : $"EVENT osd.{e.Peer} up");
                await host.RunAsync(ct);
                return StartOutcome.Stopped;
            }
            catch (Exception e) when (StartOutcome.Of(e, ct.IsCancellationRequested) is (int exitCode, string reason))
            {
                if (exitCode != StartOutcome.Stopped)
                {
                    // One line, no stack trace: what an operator needs to fix the cause.
                    Console.Error.WriteLine($"osd.{options.Id}: {reason.ReplaceLineEndings(" ")}");
                }

                return exitCode;
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

    private static OsdInfo ParsePeer(string peer)
    {
        int eq = peer.IndexOf('=');
        EntityAddr basic = EntityAddr.Parse(peer[(eq + 1)..]);
        EntityAddrVec At(int offset) => new(basic with { EndPoint = new System.Net.IPEndPoint(basic.EndPoint!.Address, basic.EndPoint.Port + offset) });
        return new OsdInfo(int.Parse(peer[..eq], System.Globalization.CultureInfo.InvariantCulture), At(0), At(1), At(2), At(3));
    }
}
