using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KestrelMessenger.Hosting;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelMessenger.Tests.Interop;

/// <summary>The kmsgr CLI, run as a process, against real Ceph daemons and against things that are not Ceph.</summary>
[Collection(CephCluster.Name)]
public class KmsgrTests(CephClusterFixture mon)
{
    [Fact]
    public async Task Ping_a_real_monitor_prints_its_identity_and_round_trip_times()
    {
        (int exit, string output, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{mon.Port}/0", "--count", "3");
        Assert.True(exit == 0, errors);
        Assert.Contains($"peer      mon.0 at v2:127.0.0.1:{mon.Port}/0", output);
        Assert.Contains("features  0x3f01cfbdfffdffff", output);
        Assert.Contains("mode      crc, lossy, global_id ", output);
        Assert.Contains("keepalive 3 sent, 3 acked; rtt min/avg/p99 = ", output);
    }

    [Fact]
    public async Task Ping_a_closed_port_says_connection_refused()
    {
        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{FreePort()}", "--timeout", "5");
        Assert.Equal(2, exit);
        Assert.Contains("connection refused", errors);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "peer speaks HTTP, not Ceph msgr2")]
    [InlineData("ceph v027\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "peer speaks msgr1")]
    public async Task Ping_something_that_is_not_msgr2_names_what_it_is(string greeting, string reason)
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        Task serve = Task.Run(async () =>
        {
            using Socket peer = await server.AcceptSocketAsync();
            await peer.SendAsync(Encoding.Latin1.GetBytes(greeting));
            await Task.Delay(2000);
        });

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}", "--timeout", "5");
        Assert.Equal(4, exit);
        Assert.Contains(reason, errors);
        await serve;
    }

    [Fact]
    public async Task Ping_a_server_that_accepts_and_closes_says_so_with_its_own_exit_code()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        Task serve = Task.Run(async () =>
        {
            using Socket peer = await server.AcceptSocketAsync();
            peer.Close();
        });

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}", "--timeout", "5");
        Assert.Equal(8, exit);
        Assert.Contains("peer closed the connection before sending its banner", errors);
        await serve;
    }

    [Fact]
    public async Task Ping_a_real_python_http_server_says_it_speaks_http_every_time()
    {
        int port = FreePort();
        using Process http = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            await WaitForPortAsync(port);
            for (int run = 0; run < 3; run++)
            {
                (int exit, _, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{port}", "--timeout", "5");
                Assert.True(exit == 4, $"run {run}: exit {exit}: {errors}");
                Assert.Contains("peer speaks HTTP, not Ceph msgr2 (it answered with an HTML page)", errors);
            }
        }
        finally
        {
            await Processes.StopAsync(http.Id);
        }
    }

    [Fact]
    public async Task Ping_a_server_that_refuses_auth_says_so()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s =>
            s.AddSingleton<IAuthServer, RefuseEveryone>().AddCephMessenger("osd", o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); }));

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", host.Messenger("osd").MyAddrs[0].ToString(), "--timeout", "5");
        Assert.Equal(6, exit);
        Assert.Contains("auth refused: none answered EACCES", errors);
    }

    [Fact]
    public async Task Ping_a_server_requiring_features_we_lack_names_them()
    {
        const ulong FromTheFuture = 1UL << 62; // not in Pacific's CEPH_FEATURES_ALL
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s =>
            s.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                o.DefaultPolicy = KestrelMessenger.Protocol.Policy.StatelessServer(required: FromTheFuture);
            }));

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", host.Messenger("osd").MyAddrs[0].ToString(), "--timeout", "5");
        Assert.Equal(5, exit);
        Assert.Contains("peer requires features we lack: 0x4000000000000000", errors);
    }

    [Fact]
    public async Task Help_follows_dotnet_cli_conventions()
    {
        (int exit, string output, _) = await Kmsgr.RunAsync("ping", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--count", output);
        Assert.DoesNotContain("-c, --count", output); // Ceph's -c is the conf
        foreach (string ceph in new[] { "-c, --conf", "-n, --entity, --name", "-k, --keyring", "--key", "-m, --mon-host", "--mode <crc|secure>" })
        {
            Assert.Contains(ceph, output);
        }

        Assert.Contains("exit codes:", output);
        (exit, _, string errors) = await Kmsgr.RunAsync("ping");
        Assert.NotEqual(0, exit);
        Assert.Contains("ADDR", errors);
    }

    [Fact]
    public async Task Ping_times_out_on_a_peer_that_never_answers()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", $"v2:127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "--timeout", "2");
        Assert.Equal(3, exit);
        Assert.Contains("timed out", errors);
    }

    [Fact]
    public async Task Listen_shows_the_ceph_cli_handshake_and_messages_and_stops_on_ctrl_c()
    {
        int port = FreePort();
        using Process listen = Process.Start(Kmsgr.StartInfo("listen", $"v2:127.0.0.1:{port}/0", "--entity", "mon.0"))!;
        var output = new StringBuilder();
        listen.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        listen.BeginOutputReadLine();
        await WaitForAsync(output, "listening as mon.0");

        using Process cli = RealClientTests.StartCeph(KestrelMessenger.Wire.EntityAddr.Parse($"v2:127.0.0.1:{port}/0"));
        await WaitForAsync(output, "accept   client.-1 (client.admin)");
        await WaitForAsync(output, "mon_subscribe(15)");
        cli.Kill(entireProcessTree: true);

        using (Process interrupt = Process.Start("kill", ["-INT", listen.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await interrupt.WaitForExitAsync();
        }

        await listen.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, listen.ExitCode);
        await WaitForAsync(output, "stopped");
    }

    [Fact]
    public async Task Listen_records_a_real_client_session_as_golden_frames()
    {
        int port = FreePort();
        string file = Path.Combine(Path.GetTempPath(), $"kmsgr-record-{Guid.NewGuid():N}.txt");
        try
        {
            using Process listen = Process.Start(Kmsgr.StartInfo("listen", $"v2:127.0.0.1:{port}/0", "--record", file))!;
            var output = new StringBuilder();
            listen.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            listen.BeginOutputReadLine();
            await WaitForAsync(output, "listening as mon.0");

            using (Process cli = RealClientTests.StartCeph(KestrelMessenger.Wire.EntityAddr.Parse($"v2:127.0.0.1:{port}/0")))
            {
                await WaitForAsync(output, "mon_subscribe(15)");
                cli.Kill(entireProcessTree: true);
                await cli.WaitForExitAsync();
            }

            await WaitForAsync(output, "recorded ");
            using (Process interrupt = Process.Start("kill", ["-INT", listen.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await interrupt.WaitForExitAsync();
            }

            await listen.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            IReadOnlyList<GoldenFrame> recorded = GoldenFrames.Load(file);
            Assert.Contains(recorded, f => f.Title.Contains("-> mon.0 banner", StringComparison.Ordinal));
            foreach (string tag in new[] { "Hello", "AuthRequest", "AuthSignature", "ClientIdent", "MESSAGE type 15" })
            {
                Assert.Contains(recorded, f => f.Title.Contains($"-> mon.0 #", StringComparison.Ordinal) && f.Title.EndsWith(tag, StringComparison.Ordinal));
            }

            foreach (string tag in new[] { "Hello", "AuthDone", "AuthSignature", "ServerIdent" })
            {
                Assert.Contains(recorded, f => f.Title.StartsWith("mon.0 -> ", StringComparison.Ordinal) && f.Title.EndsWith(tag, StringComparison.Ordinal));
            }

            Assert.All(recorded.Where(f => !f.Title.EndsWith("banner", StringComparison.Ordinal)), f =>
                Assert.True(KestrelMessenger.Frames.FrameDecoder.TryDecode(new System.Buffers.ReadOnlySequence<byte>(f.Bytes), KestrelMessenger.Frames.FrameLimits.Default, out _, out long n) && n == f.Bytes.Length));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Task WaitForAsync(StringBuilder output, string text) => Eventually.UntilAsync(
        () =>
        {
            lock (output)
            {
                return output.ToString().Contains(text, StringComparison.Ordinal);
            }
        },
        TimeSpan.FromSeconds(30),
        () =>
        {
            lock (output)
            {
                return $"'{text}' never appeared in:\n{output}";
            }
        });

    private static Task WaitForPortAsync(int port) => Eventually.UntilAsync(() =>
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }, TimeSpan.FromSeconds(20), () => $"nothing listens on port {port}");

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
