using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// A real monitor that requires cephx refuses our auth none (AUTH_BAD_METHOD): at start that is the
/// cluster's answer, so the OSD exits 2 at once with one line naming it, rather than hunting until
/// client_mount_timeout as if the monitor were down.
/// </summary>
public partial class CephxRefusalTests
{
    [Fact]
    public async Task A_monitor_that_requires_cephx_refuses_our_osd_with_one_clear_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kmsgr-cephx-{Guid.NewGuid():N}");
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        string extra = dir + ".extra.conf";
        await File.WriteAllTextAsync(extra, "[mon]\nauth_cluster_required = cephx\nauth_service_required = cephx\nauth_client_required = cephx\n");
        (int exit, string output, string errors) = await Processes.RunAsync("bash",
            [Path.Combine(Processes.RepoRoot(), "scripts", "start-test-mon.sh"), dir, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--extra-conf", extra]);
        Match started = MonStarted().Match(output);
        Assert.True(exit == 0 && started.Success, $"{output} {errors}");
        int monPid = int.Parse(started.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            // The connect timeout is far away: only the refusal itself can end this start quickly.
            await using var osd = OsdProcess.Start("--id", "0", "--uuid", Guid.NewGuid().ToString(), "--mon-host", $"v2:127.0.0.1:{port}", "--mon-connect-timeout", "300");
            Assert.Equal(2, await osd.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            string line = Assert.Single(osd.Errors);
            Assert.StartsWith("osd.0: the monitors refused our authentication", line);
            Assert.Contains("auth refused: none answered", line);
            Assert.Contains("the peer allows methods [2]", line); // cephx
            Assert.DoesNotContain(osd.Output.Concat(osd.Errors), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        }
        finally
        {
            await Processes.StopAsync(monPid, grace: TimeSpan.FromSeconds(15));
            Directory.Delete(dir, recursive: true);
            File.Delete(extra);
        }
    }

    [GeneratedRegex(@"pid=(\d+) fsid=")]
    private static partial Regex MonStarted();
}
