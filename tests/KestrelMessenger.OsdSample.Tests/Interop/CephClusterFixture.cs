using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// A real Ceph 16.2 monitor (scripts/osd-cluster.sh, auth none, msgr2) with osd.N registered, put in
/// CRUSH and a size-1 pool "bench"; our sample OSD is started and stopped by the tests, by PID.
/// </summary>
public sealed partial class RealClusterFixture : IAsyncLifetime
{
    private Process? _osd;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"kmsgr-cluster-{Guid.NewGuid():N}");

    public int MonPid { get; private set; }

    public int OsdId { get; private set; }

    public Guid Uuid { get; private set; }

    public string Conf => Path.Combine(Directory, "ceph.conf");

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        (int exit, string output, string errors) = await Processes.RunAsync("bash", [Path.Combine(Processes.RepoRoot(), "scripts", "osd-cluster.sh"), Directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "none"]);
        Match m = Started().Match(output);
        if (exit != 0 || !m.Success)
        {
            throw new InvalidOperationException($"could not start the test cluster (./test.sh installs Ceph): {output} {errors}");
        }

        MonPid = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        OsdId = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Uuid = Guid.Parse(m.Groups[3].Value);
    }

    /// <summary>Starts our OSD (a fresh nonce each time) and waits for "is up".</summary>
    public async Task StartOsdAsync()
    {
        var start = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "osd-sample.dll"), "osd", "--id", OsdId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--uuid", Uuid.ToString(), "--conf", Conf, "--beacon-interval", "5",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _osd = Process.Start(start)!;
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        _osd.OutputDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }

            lock (_log)
            {
                _log.Add(e.Data ?? "");
            }

            if (e.Data?.Contains($"osd.{OsdId} is up in osdmap epoch", StringComparison.Ordinal) == true)
            {
                seen.TrySetResult();
            }
        };
        _osd.BeginOutputReadLine();
        _osd.BeginErrorReadLine();
        try
        {
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            lock (log)
            {
                throw new TimeoutException($"our OSD did not report itself up:\n{log}");
            }
        }
    }

    /// <summary>Stops our OSD with SIGTERM (as systemd would) and waits for it to exit.</summary>
    public async Task<int> StopOsdAsync()
    {
        if (_osd is null || _osd.HasExited)
        {
            return _osd?.ExitCode ?? 0;
        }

        await Processes.StopAsync(_osd.Id, grace: TimeSpan.FromSeconds(30));
        return _osd.ExitCode;
    }

    /// <summary>Lines our OSD has printed.</summary>
    public IReadOnlyList<string> OsdLog
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    private readonly List<string> _log = [];

    /// <summary>Restarts the monitor (SIGTERM, then the same data and config), as an upgrade or a crash would.</summary>
    public async Task RestartMonitorAsync()
    {
        await Processes.StopAsync(MonPid, grace: TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(2));
        (int exit, _, string errors) = await Processes.RunAsync("ceph-mon", ["-c", Conf, "-i", "a"]);
        Assert.True(exit == 0, errors);
        string pidFile = Path.Combine(Directory, "run", "mon.a.pid");
        for (int i = 0; i < 50 && !File.Exists(pidFile); i++)
        {
            await Task.Delay(100);
        }

        MonPid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<(int ExitCode, string Output, string Errors)> CephAsync(params string[] args) => Processes.RunAsync("ceph", ["-c", Conf, "--connect-timeout", "30", .. args]);

    public Task<(int ExitCode, string Output, string Errors)> RadosAsync(params string[] args) => Processes.RunAsync("rados", ["-c", Conf, "-p", "bench", .. args]);

    public async Task DisposeAsync()
    {
        await StopOsdAsync();
        if (_osd is { HasExited: false })
        {
            _osd.Kill();
        }

        await Processes.StopAsync(MonPid, grace: TimeSpan.FromSeconds(15));
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    [GeneratedRegex(@"mon_pid=(\d+) osd_pid=\d+ osd_id=(\d+) uuid=([0-9a-f-]+)")]
    private static partial Regex Started();
}
