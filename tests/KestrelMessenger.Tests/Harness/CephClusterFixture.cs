using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Harness;

/// <summary>
/// A real Ceph 16.2 cluster on 127.0.0.1 (auth none, msgr2 only): one monitor on a free port and one
/// memstore ceph-osd, started by scripts/start-test-mon.sh and stopped by PID when the tests are done.
/// Shared by every interop test class (one cluster per run).
/// </summary>
public partial class CephClusterFixture : IAsyncLifetime
{
    /// <summary>Extra arguments for start-test-mon.sh (a cephx cluster adds --cephx).</summary>
    protected virtual string[] ScriptOptions => [];

    /// <summary>The keyring with client.admin's key (cephx clusters only).</summary>
    public string? Keyring { get; private set; }

    public int Port { get; private set; }

    public int Pid { get; private set; }

    public int OsdPid { get; private set; }

    /// <summary>osd.0's public (client-facing) addresses, from `ceph osd dump`.</summary>
    public EntityAddrVec OsdPublicAddrs { get; private set; } = EntityAddrVec.Empty;

    /// <summary>osd.0's cluster (replication) addresses.</summary>
    public EntityAddrVec OsdClusterAddrs { get; private set; } = EntityAddrVec.Empty;

    public Guid Fsid { get; private set; }

    /// <summary>The monmap epoch as `ceph mon dump` reports it.</summary>
    public uint MonMapEpoch { get; private set; }

    /// <summary>Runs the real `ceph` CLI against this cluster; returns its output.</summary>
    public async Task<string> CephAsync(params string[] args)
    {
        string[] keyring = Keyring is null ? [] : ["-k", Keyring];
        (int exitCode, string output, string errors) = await Processes.RunAsync("ceph", ["-c", Path.Combine(Directory, "ceph.conf"), .. keyring, "--connect-timeout", "20", .. args], TimeSpan.FromSeconds(60));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"ceph {string.Join(" ", args)} failed ({exitCode}): {errors}");
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

        string script = Path.Combine(Processes.RepoRoot(), "scripts", "start-test-mon.sh");
        (int exitCode, string output, string errors) = await Processes.RunAsync("bash", [script, Directory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--osd", .. ScriptOptions]);
        Match m = PidLine().Match(output);
        Match osd = OsdLine().Match(output);
        if (m.Success)
        {
            Pid = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (osd.Success)
        {
            OsdPid = int.Parse(osd.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (exitCode != 0 || !m.Success || !osd.Success)
        {
            throw new InvalidOperationException($"could not start ceph-mon (is Ceph installed? ./test.sh installs it): {output} {errors}");
        }

        Fsid = Guid.Parse(m.Groups[2].Value);
        if (KeyringLine().Match(output) is { Success: true } keyring)
        {
            Keyring = keyring.Groups[1].Value;
        }

        string dump = await CephAsync("mon", "dump", "-f", "json");
        MonMapEpoch = (uint)System.Text.Json.JsonDocument.Parse(dump).RootElement.GetProperty("epoch").GetInt32();

        using var osdDump = System.Text.Json.JsonDocument.Parse(await CephAsync("osd", "dump", "-f", "json"));
        System.Text.Json.JsonElement osd0 = osdDump.RootElement.GetProperty("osds")[0];
        OsdPublicAddrs = AddrVec(osd0.GetProperty("public_addrs"));
        OsdClusterAddrs = AddrVec(osd0.GetProperty("cluster_addrs"));
    }

    private static EntityAddrVec AddrVec(System.Text.Json.JsonElement json) => new(json.GetProperty("addrvec").EnumerateArray()
        .Select(a => EntityAddr.Parse($"{a.GetProperty("type").GetString()}:{a.GetProperty("addr").GetString()}/{a.GetProperty("nonce").GetInt64()}")));

    /// <summary>Stops the monitor (SIGTERM by PID), as a crash or an upgrade would.</summary>
    public Task StopMonitorAsync() => Processes.StopAsync(Pid, grace: TimeSpan.FromSeconds(15));

    /// <summary>Starts the monitor again on the same data, port and config; <see cref="Pid"/> is then the new one.</summary>
    public async Task StartMonitorAsync()
    {
        string pidFile = Path.Combine(Directory, "run", "mon.a.pid");
        File.Delete(pidFile);
        (int exitCode, _, string errors) = await Processes.RunAsync("ceph-mon", ["-c", Path.Combine(Directory, "ceph.conf"), "-i", "a"]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"ceph-mon did not start again: {errors}");
        }

        await KestrelMessenger.Testing.Eventually.UntilAsync(() => File.Exists(pidFile) && new FileInfo(pidFile).Length > 0, TimeSpan.FromSeconds(10), () => "ceph-mon wrote no pid file");
        Pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await Processes.StopAsync(OsdPid);
        await Processes.StopAsync(Pid);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    [GeneratedRegex(@"pid=(\d+) fsid=([0-9a-f-]+)")]
    private static partial Regex PidLine();

    [GeneratedRegex(@"osd=(\d+) osd_pid=(\d+)")]
    private static partial Regex OsdLine();

    [GeneratedRegex(@"keyring=(\S+)")]
    private static partial Regex KeyringLine();
}

/// <summary>
/// The same cluster as Ceph ships it by default: cephx required everywhere (start-test-mon.sh --cephx),
/// with client.admin's key in <see cref="CephClusterFixture.Keyring"/>.
/// </summary>
public sealed class CephxClusterFixture : CephClusterFixture
{
    protected override string[] ScriptOptions => ["--cephx"];

    /// <summary>client.admin's key.</summary>
    public KestrelMessenger.Protocol.Auth.Cephx.CryptoKey AdminKey =>
        KestrelMessenger.Config.Keyring.Load(Keyring!).Find("client.admin")!.Key!;
}

/// <summary>Interop tests against the cephx cluster share it and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CephxCluster : ICollectionFixture<CephxClusterFixture>
{
    public const string Name = "real cephx ceph cluster";
}

/// <summary>Every interop test shares one real cluster, and runs one at a time against it.</summary>
[CollectionDefinition(Name)]
public sealed class CephCluster : ICollectionFixture<CephClusterFixture>
{
    public const string Name = "real ceph cluster";
}
