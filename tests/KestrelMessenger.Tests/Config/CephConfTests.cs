using KestrelMessenger.Config;

namespace KestrelMessenger.Tests.Config;

/// <summary>ceph.conf is read as Ceph 16.2 reads it: the real `ceph-conf --lookup` is the oracle.</summary>
public class CephConfTests
{
    private const string Tricky = """
        # a comment
        ; another
        [global]
        fsid = 2d9f0a60-2f5e-4b8e-9d1b-8c0c7c1e2a11
        public addr = 10.0.0.1   # comment after a value
        public_network = 10.0.0.0/8 ; another comment
        ms_bind_port_min = 7000
        osd heartbeat   grace = 9
        cluster_addr = "10.1.0.1"
        single = '  padded  '
        Mixed_Case = yes
        continued = x \
          y
        joined = a\
        b
        escaped = a\#b \; c \\ d
        quoted escape = "say \"hi\""
        empty =
        eq = a=b=c
        	tabbed	key	=	t
        [osd]
        public_addr = 10.0.0.2
        ms_bind_port_min = 7100
        [osd.3]
        public_addr = 10.0.0.3
        [client]
        rbd cache = false
        [client.admin]
        rbd_cache = true
        [ global ]
        public_addr = not-global
        [global]
        ms_bind_port_max = 7001
        ms_bind_port_max = 7002
        """;

    private const string Meta = """
        [global]
        where = $cluster/$type/$id/$name/$num
        braces = ${cluster}x${type}y
        sock = $run_dir/$name.sock
        asok = $admin_socket
        keyring_list = $keyring
        osd_dir = $osd_data
        unknown = $foo_unknown-z
        lonely = cost $ 5
        bad_brace = a${Foo}b
        open_brace = a${cluster
        data = $data_dir
        run_dir = /r/$cluster
        [osd]
        run_dir = /osd-run
        """;

    public static TheoryData<string, string, string> Lookups()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string entity in new[] { "osd.3", "osd.4", "mon.a", "client.admin", "client.x" })
        {
            foreach (string key in new[]
            {
                "public_addr", "public_network", "ms_bind_port_min", "osd_heartbeat_grace", "cluster_addr", "ms_bind_port_max",
                "single", "Mixed_Case", "mixed_case", "continued", "joined", "escaped", "quoted_escape", "empty", "eq", "tabbed_key",
                "rbd_cache", "rbd cache", "missing", "fsid",
            })
            {
                data.Add(nameof(Tricky), entity, key);
            }
        }

        foreach (string entity in new[] { "client.admin", "osd.7" })
        {
            foreach (string key in new[] { "where", "braces", "sock", "asok", "keyring_list", "osd_dir", "unknown", "lonely", "bad_brace", "open_brace", "data" })
            {
                data.Add(nameof(Meta), entity, key);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lookups))]
    public async Task Every_value_is_the_one_ceph_conf_looks_up(string file, string entity, string key)
    {
        using var dir = new CephTools.TempDir();
        // Named prod.conf so $cluster is "prod" for both: Ceph takes the cluster from the conf's file name.
        string path = dir.Write("prod.conf", (file == nameof(Tricky) ? Tricky : Meta) + "\n");
        string? ceph = await CephTools.LookupAsync(path, entity, key);
        Assert.Equal(ceph, CephConf.Load(path).Get(entity, key));
    }

    [Fact]
    public void An_entity_reads_its_own_section_then_its_type_then_global()
    {
        CephConf conf = CephConf.Parse("[global]\nk = g\nonly_global = 1\n[client]\nk = c\n[client.admin]\nk = a\n");
        Assert.Equal(["client.admin", "client", "global"], CephConf.SectionsFor("client.admin"));
        Assert.Equal(("a", "c", "g", "g"), (conf.Get("client.admin", "k"), conf.Get("client.bob", "k"), conf.Get("osd.1", "k"), conf.Get("mon.a", "k")));
        Assert.Equal(new Dictionary<string, string> { ["k"] = "a", ["only_global"] = "1" }, conf.GetAll("client.admin"));
    }

    [Fact]
    public void The_host_pid_and_home_metavariables_take_what_they_are_given()
    {
        var meta = new CephMetaVariables { Cluster = "c1", Host = "node7", Pid = 42, Home = "/home/me" };
        Assert.Equal("c1-node7-42-osd.3", meta.Expand("$cluster-$host-$pid-$name", "osd.3"));
        // Ceph 16.2 assigns $home instead of appending it: what came before is lost (ceph-conf agrees).
        Assert.Equal("/home/me/.ceph", meta.Expand("x$home/.ceph", "client.admin"));
    }

    [Fact]
    public async Task Home_host_and_pid_expand_as_ceph_conf_expands_them()
    {
        using var dir = new CephTools.TempDir();
        string path = dir.Write("ceph.conf", "[global]\nh = $host\nhome = x$home/y\n");
        var env = new Dictionary<string, string> { ["HOME"] = "/home/tester" };
        Assert.Equal(await CephTools.LookupAsync(path, "client.admin", "h", env), CephConf.Load(path).Get("client.admin", "h"));
        Assert.Equal(await CephTools.LookupAsync(path, "client.admin", "home", env),
            CephConf.Load(path).Get("client.admin", "home", new CephMetaVariables { Home = "/home/tester" }));
    }

    [Fact]
    public void A_reference_loop_stops_at_the_name_that_closes_it()
    {
        CephConf conf = CephConf.Parse("[global]\na = <$b>\nb = [$a]\n");
        Assert.Equal("<[$a]>", conf.Get("client.admin", "a"));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "[global]\nnoequals\n", "my.conf:2: 'noequals' is neither a [section] nor key = value" },
        { "[global\nk = 1\n", "my.conf:1: '[global' section header has no closing ']'" },
        { "[]\n", "my.conf:1: '[]' section header has no name" },
        { "[global] x\n", "my.conf:1: '[global] x' has unexpected text after the section header" },
        { "[global]\n= 1\n", "my.conf:2: '= 1' has no key before '='" },
        { "[global]\nk = \"a # b\"\n", "my.conf:2: 'k = \"a # b\"' has an unescaped '#' inside quotes (write \\#)" },
        { "[global]\nk = \"a\" b\n", "my.conf:2: 'k = \"a\" b' has unexpected text after the closing quote" },
        { "[global]\nk = \"open\n", "my.conf:2: 'k = \"open' has no closing \"" },
        { "[global]\nk[1] = 1\n", "my.conf:2: 'k[1] = 1' is neither a [section] nor key = value" },
        { "k = 1\n[global]\nk = 2\n", "my.conf:1: a setting comes before the first [section]" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_file_ceph_refuses_is_an_error_naming_the_line(string text, string message)
    {
        var e = Assert.Throws<CephConfigException>(() => CephConf.Parse(text, "my.conf"));
        Assert.Equal(message, e.Message);

        using var dir = new CephTools.TempDir();
        (int exit, _, string errors) = await CephTools.RunAsync("ceph-conf", ["-c", dir.Write("bad.conf", text), "--lookup", "k"]);
        Assert.True(exit != 0 && errors.Contains("parse error", StringComparison.Ordinal), $"ceph-conf accepted it: {errors}");
    }

    [Fact]
    public async Task A_file_of_one_setting_is_global_as_for_ceph()
    {
        using var dir = new CephTools.TempDir();
        string path = dir.Write("one.conf", "k = 1\n");
        Assert.Equal(await CephTools.LookupAsync(path, "client.admin", "k"), CephConf.Load(path).Get("client.admin", "k"));
        Assert.Equal(["global"], CephConf.Load(path).SectionNames);
    }

    [Fact]
    public void A_last_line_without_newline_and_crlf_line_ends_are_read()
    {
        CephConf conf = CephConf.Parse("[global]\r\nk = 1\r\nj = 2");
        Assert.Equal(("1", "2"), (conf.Get("osd.0", "k"), conf.Get("osd.0", "j")));
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_refused()
    {
        using var dir = new CephTools.TempDir();
        string path = Path.Combine(dir.Path, "latin1.conf");
        File.WriteAllBytes(path, [.. "[global]\nk = "u8, 0xE9, (byte)'\n']);
        var e = Assert.Throws<CephConfigException>(() => CephConf.Load(path));
        Assert.Equal($"{path}: is not valid UTF-8", e.Message);
    }

    [Theory]
    [InlineData("/etc/ceph/ceph.conf", "ceph")]
    [InlineData("/etc/ceph/prod.conf", "prod")]
    [InlineData("/tmp/x.conf.d", "x")]
    [InlineData("/etc/ceph/config", "ceph")]
    public void The_cluster_comes_from_the_conf_file_name(string path, string cluster) =>
        Assert.Equal(cluster, CephMetaVariables.ClusterFromConfPath(path));
}
