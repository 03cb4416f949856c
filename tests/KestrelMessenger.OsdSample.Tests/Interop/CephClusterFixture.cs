using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using KestrelMessenger.Testing;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// A real Ceph 16.2 monitor (scripts/osd-cluster.sh, auth none, msgr2) with osd.N registered, put in
/// CRUSH and a size-1 pool "bench"; tests start our OSD processes and stop them, and the monitor, by PID.
/// Subclasses choose the cluster's shape (IPv6, extra ceph.conf).
/// </summary>
public partial class CephClusterFixture : IAsyncLifetime
{
    private readonly List<OsdProcess> _osds = [];
    private int _port;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"kmsgr-cluster-{Guid.NewGuid():N}");

    public int MonPid { get; private set; }

    public int OsdId { get; private set; }

    public Guid Uuid { get; private set; }

    public string Conf => Path.Combine(Directory, "ceph.conf");

    /// <summary>Options for osd-cluster.sh after the OSD kind (--ipv6).</summary>
    protected virtual IEnumerable<string> ClusterOptions => [];

    /// <summary>ceph.conf text appended to the cluster's (its own sections override [global]).</summary>
    protected virtual string? ExtraConf => null;

    protected virtual bool Ipv6 => false;

    public async Task InitializeAsync()
    {
        using (var probe = new TcpListener(Ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        List<string> args = [Path.Combine(Processes.RepoRoot(), "scripts", "osd-cluster.sh"), Directory, _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "none", .. ClusterOptions];
        if (ExtraConf is string extra)
        {
            string file = Directory + ".extra.conf";
            await File.WriteAllTextAsync(file, extra);
            args.AddRange(["--extra-conf", file]);
        }

        (int exit, string output, string errors) = await Processes.RunAsync("bash", args);
        Match m = Started().Match(output);
        if (exit != 0 || !m.Success)
        {
            throw new InvalidOperationException($"could not start the test cluster (./test.sh installs Ceph): {output} {errors}");
        }

        MonPid = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        OsdId = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Uuid = Guid.Parse(m.Groups[3].Value);
    }

    /// <summary>Starts our OSD <paramref name="id"/> on this cluster's ceph.conf (a fresh nonce each time); stopped at the latest when the fixture is.</summary>
    public OsdProcess StartOsd(int id, Guid uuid, params string[] extra)
    {
        var osd = OsdProcess.Start(["--id", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--uuid", uuid.ToString(), "--conf", Conf, .. extra]);
        lock (_osds)
        {
            _osds.Add(osd);
        }

        return osd;
    }

    /// <summary>Registers one more OSD id (`ceph osd new`) in CRUSH host <paramref name="host"/>.</summary>
    public async Task<(int Id, Guid Uuid)> RegisterOsdAsync(string host)
    {
        var uuid = Guid.NewGuid();
        (int exit, string output, string errors) = await CephAsync("osd", "new", uuid.ToString());
        Assert.True(exit == 0, errors);
        int id = int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, (await CephAsync("osd", "crush", "add", $"osd.{id}", "1.0", $"host={host}", "root=default")).ExitCode);
        return (id, uuid);
    }

    /// <summary>Stops the monitor (SIGTERM by PID), as an upgrade or a crash would.</summary>
    public Task StopMonitorAsync() => Processes.StopAsync(MonPid, grace: TimeSpan.FromSeconds(15));

    /// <summary>Starts the monitor again, same data and config.</summary>
    public async Task StartMonitorAsync()
    {
        string pidFile = Path.Combine(Directory, "run", "mon.a.pid");
        File.Delete(pidFile);
        (int exit, _, string errors) = await Processes.RunAsync("ceph-mon", ["-c", Conf, "-i", "a"]);
        Assert.True(exit == 0, errors);
        await Eventually.UntilAsync(() => File.Exists(pidFile) && new FileInfo(pidFile).Length > 0, TimeSpan.FromSeconds(10), () => "ceph-mon wrote no pid file");
        MonPid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<(int ExitCode, string Output, string Errors)> CephAsync(params string[] args) => Processes.RunAsync("ceph", ["-c", Conf, "--connect-timeout", "30", .. args]);

    public Task<(int ExitCode, string Output, string Errors)> RadosAsync(params string[] args) => Processes.RunAsync("rados", ["-c", Conf, "-p", "bench", .. args]);

    /// <summary>osd.<paramref name="id"/> as `ceph osd dump` shows it.</summary>
    public async Task<JsonElement> OsdDumpAsync(int id)
    {
        (int exit, string json, string errors) = await CephAsync("osd", "dump", "-f", "json");
        Assert.True(exit == 0, errors);
        using JsonDocument dump = JsonDocument.Parse(json);
        return dump.RootElement.GetProperty("osds").EnumerateArray().Single(o => o.GetProperty("osd").GetInt32() == id).Clone();
    }

    /// <summary>Is osd.<paramref name="id"/> up, and at which public nonce?</summary>
    public async Task<(bool Up, uint Nonce)> OsdStateAsync(int id)
    {
        JsonElement osd = await OsdDumpAsync(id);
        JsonElement addrs = osd.GetProperty("public_addrs").GetProperty("addrvec");
        return (osd.GetProperty("up").GetInt32() == 1, addrs.GetArrayLength() > 0 ? addrs[0].GetProperty("nonce").GetUInt32() : 0);
    }

    /// <summary>Waits until the monitors report osd.<paramref name="id"/> <paramref name="up"/> (or not).</summary>
    public async Task WaitForStateAsync(int id, bool up, TimeSpan timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while ((await OsdStateAsync(id)).Up != up)
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        OsdProcess[] osds;
        lock (_osds)
        {
            osds = [.. _osds];
        }

        try
        {
            foreach (OsdProcess osd in osds)
            {
                await osd.DisposeAsync();
            }
        }
        finally
        {
            // Whatever became of the OSDs, the monitor is ours to stop.
            await Processes.StopAsync(MonPid, grace: TimeSpan.FromSeconds(15));
            System.IO.Directory.Delete(Directory, recursive: true);
            File.Delete(Directory + ".extra.conf");
        }
    }

    [GeneratedRegex(@"mon_pid=(\d+) osd_pid=\d+ osd_id=(\d+) uuid=([0-9a-f-]+)")]
    private static partial Regex Started();
}

/// <summary>The default cluster; <see cref="StartOsdAsync"/> runs the registered OSD, beaconing every 5 s.</summary>
public sealed class RealClusterFixture : CephClusterFixture
{
    private OsdProcess? _osd;

    /// <summary>Starts our OSD (a fresh nonce each time) and waits for "is up".</summary>
    public async Task StartOsdAsync()
    {
        _osd = StartOsd(OsdId, Uuid, "--beacon-interval", "5");
        await _osd.WaitUntilUpAsync(OsdId);
    }

    /// <summary>Stops our OSD with SIGTERM (as systemd would) and waits for it to exit.</summary>
    public Task<int> StopOsdAsync() => _osd?.StopAsync() ?? Task.FromResult(0);
}
