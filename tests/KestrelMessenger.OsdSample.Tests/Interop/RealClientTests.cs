using System.Text.Json;
using KestrelMessenger.OsdSample.Osd;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// The real Ceph 16.2 clients against our OSD in a cluster run by a live ceph-mon: `ceph tell` (issue 8
/// item 12) and `rados` reading object identity and snapshots (item 9).
/// </summary>
public class RealClientTests(RealClusterFixture cluster) : IClassFixture<RealClusterFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => cluster.StartOsdAsync();

    public async Task DisposeAsync() => Assert.Equal(0, await cluster.StopOsdAsync());

    [Fact]
    public async Task Ceph_tell_version_prints_our_version_json_and_exits_zero()
    {
        (int exit, string output, string errors) = await cluster.CephAsync("tell", $"osd.{cluster.OsdId}", "version", "--rados-osd-op-timeout", "30");
        Assert.True(exit == 0, errors);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(TellCommands.Version, json.RootElement.GetProperty("version").GetString());
        Assert.Equal("pacific", json.RootElement.GetProperty("release").GetString());
    }

    [Fact]
    public async Task An_unknown_tell_command_fails_with_einval_from_the_cli_and_from_our_osd()
    {
        // The CLI checks a command against the descriptions our OSD serves before sending it: it refuses
        // it with EINVAL and offers our commands as the closest matches.
        (int exit, _, string errors) = await cluster.CephAsync("tell", $"osd.{cluster.OsdId}", "no-such-command", "--rados-osd-op-timeout", "30");
        Assert.Equal(22, exit);
        Assert.Contains("no valid command found", errors);
        Assert.Contains("version", errors);
        Assert.Contains("Error EINVAL", errors);

        // librados sends whatever it is given (the CLI's own path, minus the check): our OSD answers.
        string script = $"import json, rados; c = rados.Rados(conffile='{cluster.Conf}'); c.connect(); "
            + $"r, out, status = c.osd_command({cluster.OsdId}, json.dumps({{'prefix': 'no-such-command'}}), b'', timeout=30); "
            + "print(r); print(status); c.shutdown()";
        (int pyExit, string printed, string pyErrors) = await Processes.RunAsync("/usr/bin/python3", ["-c", script]);
        Assert.True(pyExit == 0, pyErrors);
        Assert.Equal(["-22", "unknown command prefix no-such-command"], printed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Rados_object_locators_name_two_objects_and_listing_shows_each_locator()
    {
        string a = Path.Combine(cluster.Directory, "locator-a"), b = Path.Combine(cluster.Directory, "locator-b");
        await File.WriteAllTextAsync(a, "AAAA");
        await File.WriteAllTextAsync(b, "BBBBBBBB");
        Assert.Equal(0, (await cluster.RadosAsync("--object-locator", "A", "put", "located", a)).ExitCode);
        Assert.Equal(0, (await cluster.RadosAsync("--object-locator", "B", "put", "located", b)).ExitCode);

        Assert.Contains("size 4", (await cluster.RadosAsync("--object-locator", "A", "stat", "located")).Output);
        Assert.Contains("size 8", (await cluster.RadosAsync("--object-locator", "B", "stat", "located")).Output);
        (int plain, _, string plainErrors) = await cluster.RadosAsync("stat", "located");
        Assert.NotEqual(0, plain);
        Assert.Contains("(2) No such file or directory", plainErrors);

        string got = Path.Combine(cluster.Directory, "locator-got");
        Assert.Equal(0, (await cluster.RadosAsync("--object-locator", "A", "get", "located", got)).ExitCode);
        Assert.Equal("AAAA", await File.ReadAllTextAsync(got));

        (int ls, string listed, string lsErrors) = await cluster.RadosAsync("ls");
        Assert.True(ls == 0, lsErrors);
        Assert.Contains("located\tA", listed);
        Assert.Contains("located\tB", listed);
    }

    [Fact]
    public async Task Rados_get_at_a_pool_snapshot_is_refused_and_never_returns_head_data()
    {
        string file = Path.Combine(cluster.Directory, "snap-head");
        await File.WriteAllTextAsync(file, "head data");
        Assert.Equal(0, (await cluster.RadosAsync("put", "snapped", file)).ExitCode);
        (int mksnap, _, string mksnapErrors) = await cluster.RadosAsync("mksnap", "kmsgr-snap");
        Assert.True(mksnap == 0, mksnapErrors);

        string got = Path.Combine(cluster.Directory, "snap-got");
        (int exit, _, string errors) = await cluster.RadosAsync("-s", "kmsgr-snap", "get", "snapped", got);
        Assert.NotEqual(0, exit);
        Assert.Contains("(95) Operation not supported", errors);
        Assert.False(File.Exists(got) && (await File.ReadAllTextAsync(got)).Length > 0);
    }
}
