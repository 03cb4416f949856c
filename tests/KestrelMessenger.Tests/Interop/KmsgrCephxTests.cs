using KestrelMessenger.Tests.Harness;

namespace KestrelMessenger.Tests.Interop;

/// <summary>
/// The kmsgr CLI, run as a process with Ceph's flags, against a real Ceph 16.2 cluster that requires
/// cephx everywhere (a ceph-mon and a ceph-osd on loopback).
/// </summary>
[Collection(CephxCluster.Name)]
public sealed class KmsgrCephxTests(CephxClusterFixture cluster) : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("kmsgr-cephx-").FullName;

    private string Conf => Path.Combine(cluster.Directory, "ceph.conf");

    private string Mon => $"v2:127.0.0.1:{cluster.Port}/0";

    private string Osd => cluster.OsdPublicAddrs.Msgr2!.ToString();

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData("crc")]
    [InlineData("secure")]
    public async Task Ping_the_cephx_monitor_with_conf_and_keyring_in_either_mode(string mode)
    {
        (int exit, string output, string errors) = await Kmsgr.RunAsync("ping", Mon, "-c", Conf, "-k", cluster.Keyring!, "--mode", mode, "--count", "2");

        Assert.True(exit == 0, errors);
        Assert.Contains($"peer      mon.0 at {Mon}", output);
        Assert.Contains($"mode      {mode}, lossy, global_id ", output);
        Assert.Contains("auth cephx as client.admin", output);
        Assert.DoesNotContain("login ", output); // the monitor itself is the login
    }

    [Theory]
    [InlineData("crc")]
    [InlineData("secure")]
    public async Task Ping_the_real_cephx_osd_logs_in_to_the_conf_monitor_first_in_either_mode(string mode)
    {
        // No -k: the conf's keyring option names the keyring, as for Ceph's own tools.
        (int exit, string output, string errors) = await Kmsgr.RunAsync("ping", Osd, "-c", Conf, "--mode", mode, "--count", "2");

        Assert.True(exit == 0, errors);
        Assert.Contains($"login     client.admin at mon.0 {Mon}: cephx, {mode}, global_id ", output);
        Assert.Contains($"peer      osd.0 at {Osd}", output);
        Assert.Contains($"mode      {mode}, lossy, global_id ", output);
        Assert.Contains("auth cephx as client.admin", output);
        Assert.Contains("keepalive 2 sent, 2 acked", output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrong_key_exits_6_with_one_line_naming_the_entity_and_the_refusing_monitor(bool pingTheOsd)
    {
        string wrong = await KeyringAsync("client.admin");

        (int exit, string output, string errors) = await Kmsgr.RunAsync("ping", pingTheOsd ? Osd : Mon, "-c", Conf, "-k", wrong, "--timeout", "20");

        Assert.Equal(6, exit);
        Assert.Equal("", output);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(pingTheOsd ? $"the monitor at {Mon} refused client.admin: " : "the monitor refused client.admin: ", line);
        Assert.Contains("cephx answered EACCES", line);
    }

    [Fact]
    public async Task An_entity_the_monitor_does_not_know_exits_6()
    {
        string stranger = await KeyringAsync("client.nobody");

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", Mon, "-c", Conf, "-n", "client.nobody", "-k", stranger, "--timeout", "20");

        Assert.Equal(6, exit);
        Assert.Contains("the monitor refused client.nobody: auth refused: cephx answered", errors);
    }

    [Fact]
    public async Task An_entity_the_keyring_has_no_key_for_exits_6_before_connecting()
    {
        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", Mon, "-c", Conf, "--entity", "client.nobody");

        Assert.Equal(6, exit);
        Assert.Contains($"{cluster.Keyring} has no key for client.nobody", errors);
    }

    [Fact]
    public async Task A_keyring_given_with_k_that_does_not_exist_exits_1()
    {
        string missing = Path.Combine(_scratch, "no-such.keyring");

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", Mon, "-c", Conf, "-k", missing);

        Assert.Equal(1, exit);
        Assert.Contains($"no keyring file at {missing}", errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CEPH_ARGS_gives_name_keyring_and_monitors_as_Ceph_reads_them(bool pingTheOsd)
    {
        var environment = new Dictionary<string, string> { ["CEPH_ARGS"] = $"-n client.admin -k {cluster.Keyring} --mon-host v2:127.0.0.1:{cluster.Port}" };

        (int exit, string output, string errors) = await Kmsgr.RunAsync(environment, "ping", pingTheOsd ? Osd : Mon, "--mode", "secure", "--count", "1");

        Assert.True(exit == 0, errors);
        Assert.Contains($"peer      {(pingTheOsd ? "osd.0" : "mon.0")} at ", output);
        Assert.Contains("mode      secure, lossy, global_id ", output);
        Assert.Contains("auth cephx as client.admin", output);
        Assert.Equal(pingTheOsd, output.Contains($"login     client.admin at mon.0 {Mon}: cephx, secure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cephx_ping_of_an_osd_with_no_monitor_configured_says_a_monitor_is_needed()
    {
        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", Osd, "-k", cluster.Keyring!, "--timeout", "20");

        Assert.Equal(6, exit);
        Assert.Contains("osd accepts cephx only with a ticket from a monitor, and no monitor is configured (give -m ADDR, or -c CONF with mon_host)", errors);
    }

    [Fact]
    public async Task Without_a_keyring_the_ping_offers_auth_none_which_the_cephx_monitor_refuses()
    {
        // Ceph's rule: a conf's keyring that is not there drops cephx (only -k must exist).
        string conf = Path.Combine(_scratch, "ceph.conf");
        await File.WriteAllTextAsync(conf, $"[global]\nmon_host = v2:127.0.0.1:{cluster.Port}\nkeyring = {Path.Combine(_scratch, "absent.keyring")}\n");

        (int exit, _, string errors) = await Kmsgr.RunAsync("ping", Mon, "-c", conf, "--timeout", "20");
        Assert.Equal(6, exit);
        Assert.Contains("the monitor refused client.admin: auth refused: none answered", errors);
        Assert.Contains("we found no keyring, so offered auth none only", errors);

        (exit, _, errors) = await Kmsgr.RunAsync("ping", Mon, "-c", conf, "--mode", "secure");
        Assert.Equal(1, exit);
        Assert.Contains("--mode secure needs cephx", errors);
    }

    /// <summary>A keyring with a fresh key for <paramref name="name"/>, made by the real ceph-authtool.</summary>
    private async Task<string> KeyringAsync(string name)
    {
        string path = Path.Combine(_scratch, $"{name}.keyring");
        (int exit, _, string errors) = await Processes.RunAsync("ceph-authtool", ["--create-keyring", path, "--gen-key", "-n", name]);
        Assert.True(exit == 0, errors);
        return path;
    }
}
