using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KestrelMessenger.Tests.Harness;

/// <summary>
/// A real Ceph 16.2 monitor on 127.0.0.1 (auth none, msgr2 only), started by scripts/start-test-mon.sh
/// on a free port and stopped by PID when the tests are done.
/// </summary>
public sealed partial class CephMonFixture : IAsyncLifetime
{
    public int Port { get; private set; }

    public int Pid { get; private set; }

    public Guid Fsid { get; private set; }

    /// <summary>The monmap epoch as `ceph mon dump` reports it.</summary>
    public uint MonMapEpoch { get; private set; }

    /// <summary>Runs the real `ceph` CLI against this cluster; returns its output.</summary>
    public async Task<string> CephAsync(params string[] args)
    {
        var start = new ProcessStartInfo("ceph", ["-c", Path.Combine(Directory, "ceph.conf"), "--connect-timeout", "20", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ceph {string.Join(" ", args)} failed ({process.ExitCode}): {errors}");
        }

        return output;
    }

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"kmsgr-mon-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        string script = Path.Combine(RepoRoot(), "scripts", "start-test-mon.sh");
        var start = new ProcessStartInfo("bash", [script, Directory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Match m = PidLine().Match(output);
        if (process.ExitCode != 0 || !m.Success)
        {
            throw new InvalidOperationException($"could not start ceph-mon (is Ceph installed? ./test.sh installs it): {output} {errors}");
        }

        Pid = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Fsid = Guid.Parse(m.Groups[2].Value);
        string dump = await CephAsync("mon", "dump", "-f", "json");
        MonMapEpoch = (uint)System.Text.Json.JsonDocument.Parse(dump).RootElement.GetProperty("epoch").GetInt32();
    }

    public async Task DisposeAsync()
    {
        try
        {
            using Process mon = Process.GetProcessById(Pid);
            mon.Kill();
            await mon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (ArgumentException)
        {
            // already gone
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "KestrelMessenger.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found");
    }

    [GeneratedRegex(@"pid=(\d+) fsid=([0-9a-f-]+)")]
    private static partial Regex PidLine();
}
