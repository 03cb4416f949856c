using KestrelMessenger.Config;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Config;

/// <summary>Ceph's command-line and environment conventions; `ceph-conf` (which parses them the same way) is the oracle for the name.</summary>
public class CephArgsTests
{
    private static readonly Dictionary<string, string?> NoEnv = [];

    public static TheoryData<string[], string, string> Names => new()
    {
        { [], "", "client.admin" },
        { ["--name", "client.bar"], "", "client.bar" },
        { ["-n", "osd.3"], "", "osd.3" },
        { ["--name=mgr.x"], "", "mgr.x" },
        { ["--id", "joe"], "", "client.joe" },
        { ["--user=joe"], "", "client.joe" },
        { ["-n", "osd.3", "--id", "4"], "", "osd.4" },
        { ["--id", "4", "-n", "osd.3"], "", "osd.3" },
        { ["--name", "client.bar"], "--name client.foo", "client.bar" },
        { [], "--id  foo", "client.foo" },
        { ["--id", "cli"], "--name osd.1", "osd.cli" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task The_name_is_the_one_ceph_conf_takes(string[] args, string cephArgs, string expected)
    {
        var env = new Dictionary<string, string?> { ["CEPH_ARGS"] = cephArgs };
        Assert.Equal(expected, CephArgs.Parse(args, env).Name.ToString());

        using var dir = new CephTools.TempDir();
        string conf = dir.Write("ceph.conf", "[global]\nx = $name\n");
        (int exit, string output, string errors) = await CephTools.RunAsync("ceph-conf", ["-c", conf, .. args, "--lookup", "x"],
            cephArgs.Length == 0 ? null : new Dictionary<string, string> { ["CEPH_ARGS"] = cephArgs });
        Assert.True(exit == 0, errors);
        Assert.Equal(expected, output.Trim());
    }

    [Fact]
    public void Every_option_is_read_in_both_spellings_and_the_rest_is_kept()
    {
        CephClientSettings s = CephArgs.Parse(
            ["-c", "/etc/ceph/prod.conf", "-k", "/k1", "--key=AQ==", "-K", "/kf", "-m", "1.2.3.4", "status", "--mon-host", "5.6.7.8", "--", "-n", "x"], NoEnv);
        Assert.Equal(("/etc/ceph/prod.conf", "prod", "/k1", "AQ==", "/kf", "5.6.7.8"), (s.ConfPath, s.Cluster, s.Keyring, s.Key, s.KeyFile, s.MonHost));
        Assert.Equal(["status", "--", "-n", "x"], s.Remaining);
        Assert.Equal("client.admin", s.Name.ToString());
    }

    [Fact]
    public void The_environment_gives_conf_and_keyring_when_the_command_line_does_not()
    {
        var env = new Dictionary<string, string?> { ["CEPH_CONF"] = "/env/ceph.conf", ["CEPH_KEYRING"] = "/env/keyring", ["CEPH_ARGS"] = "--cluster envc" };
        CephClientSettings s = CephArgs.Parse([], env);
        Assert.Equal(("/env/ceph.conf", "/env/keyring", "envc"), (s.ConfPath, s.Keyring, s.Cluster));
        CephClientSettings t = CephArgs.Parse(["-c", "/a/b.conf", "-k", "/k", "--cluster", "other"], env);
        Assert.Equal(("/a/b.conf", "/k", "other"), (t.ConfPath, t.Keyring, t.Cluster));
    }

    [Fact]
    public void Only_a_daemon_takes_dash_i_as_its_id()
    {
        Assert.Equal("osd.5", CephArgs.Parse(["-i", "5"], NoEnv, EntityType.Osd).Name.ToString());
        CephClientSettings client = CephArgs.Parse(["-i", "input.json"], NoEnv);
        Assert.Equal(("client.admin", 2), (client.Name.ToString(), client.Remaining.Count));
    }

    [Theory]
    [InlineData(new[] { "-n", "bogus" }, "error parsing 'bogus': expected string of the form TYPE.ID, valid types are: auth, mon, osd, mds, mgr, client")]
    [InlineData(new[] { "-n", "foo.bar" }, "error parsing 'foo.bar': expected string of the form TYPE.ID, valid types are: auth, mon, osd, mds, mgr, client")]
    [InlineData(new[] { "--conf" }, "Option --conf requires an argument.")]
    public void A_bad_command_line_is_refused_as_ceph_refuses_it(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<CephConfigException>(() => CephArgs.Parse(args, NoEnv)).Message);

    [Fact]
    public void The_key_never_shows_in_the_settings_text()
    {
        string text = CephArgs.Parse(["--key", "AQSECRETSECRET=="], NoEnv).ToString();
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.Contains("Key = (set)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keyring_is_found_on_the_confs_search_list_and_a_key_option_replaces_its_entry()
    {
        using var dir = new CephTools.TempDir();
        string keyring = Path.Combine(dir.Path, "prod.client.admin.keyring");
        (int exit, _, string errors) = await CephTools.RunAsync("ceph-authtool", ["--create-keyring", keyring, "--gen-key", "-n", "client.admin"]);
        Assert.True(exit == 0, errors);
        string conf = dir.Write("prod.conf", $"[global]\nkeyring = {dir.Path}/missing, {dir.Path}/$cluster.$name.keyring\n");

        CephClientSettings settings = CephArgs.Parse(["-c", conf], NoEnv);
        Keyring found = settings.LoadKeyring(settings.LoadConf());
        Assert.Equal(keyring, found.FilePath);
        Assert.NotNull(found.Find("client.admin")?.Key);

        const string other = "AQAA8VNlFc1bBxAAEBESExQVFhcYGRobHB0eHw==";
        CephClientSettings withKey = CephArgs.Parse(["-c", conf, "--key", other], NoEnv);
        Assert.Equal(other, withKey.LoadKeyring(withKey.LoadConf()).Find("client.admin")!.Key!.ToBase64());

        CephClientSettings none = CephArgs.Parse(["-c", conf, "-k", $"{dir.Path}/nothing"], NoEnv);
        Assert.Equal($"unable to find a keyring on {dir.Path}/nothing", Assert.Throws<CephConfigException>(() => none.LoadKeyring(none.LoadConf())).Message);
    }
}
