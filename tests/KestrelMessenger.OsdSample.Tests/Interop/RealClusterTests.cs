namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>Our Kestrel-hosted OSD in a real Ceph 16.2 cluster, used by the real `rados` client.</summary>
public class RealClusterTests(RealClusterFixture cluster) : IClassFixture<RealClusterFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => cluster.StartOsdAsync();

    public async Task DisposeAsync() => Assert.Equal(0, await cluster.StopOsdAsync());

    [Fact]
    public async Task The_monitor_reports_our_osd_up_and_rados_round_trips_a_1_MiB_object()
    {
        (bool up, _) = await OsdStateAsync();
        Assert.True(up);

        string dir = cluster.Directory;
        byte[] data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(Path.Combine(dir, "in"), data);
        Assert.Equal(0, (await cluster.RadosAsync("put", "obj", Path.Combine(dir, "in"))).ExitCode);
        (int statExit, string stat, _) = await cluster.RadosAsync("stat", "obj");
        Assert.Equal(0, statExit);
        Assert.Contains("size 1048576", stat);
        Assert.Equal(0, (await cluster.RadosAsync("get", "obj", Path.Combine(dir, "out"))).ExitCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(dir, "out")));
    }

    [Fact]
    public async Task Rados_bench_writes_reads_and_cleans_up()
    {
        (int write, string writeOut, string writeErr) = await cluster.RadosAsync("bench", "5", "write", "-b", "4096", "-t", "16", "--no-cleanup");
        Assert.True(write == 0, writeErr);
        Assert.Contains("Total writes made:", writeOut);
        (int seq, string seqOut, string seqErr) = await cluster.RadosAsync("bench", "5", "seq", "-t", "16");
        Assert.True(seq == 0, seqErr);
        Assert.Contains("Total reads made:", seqOut);

        // `rados cleanup` lists the pool (PGNLS, PG by PG, in Ceph's bitwise order) and removes what the bench wrote.
        (int cleanup, string cleanupOut, string cleanupErr) = await cluster.RadosAsync("cleanup");
        Assert.True(cleanup == 0, cleanupErr);
        Assert.Contains("Removed", cleanupOut);
        (int ls, string listed, string lsErr) = await cluster.RadosAsync("ls");
        Assert.True(ls == 0, lsErr);
        Assert.DoesNotContain("benchmark_", listed);
    }

    [Fact]
    public async Task Rados_ls_lists_exactly_the_objects_stored()
    {
        string file = Path.Combine(cluster.Directory, "tiny");
        await File.WriteAllBytesAsync(file, [7]);
        string[] names = [.. Enumerable.Range(0, 50).Select(i => $"listed-{i}")];
        foreach (string name in names)
        {
            Assert.Equal(0, (await cluster.RadosAsync("put", name, file)).ExitCode);
        }

        (int exit, string listed, string errors) = await cluster.RadosAsync("ls");
        Assert.True(exit == 0, errors);
        string[] seen = [.. listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n.StartsWith("listed-", StringComparison.Ordinal))];
        Assert.Equal(names.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stopped_osd_is_marked_down_and_a_restarted_one_comes_back_up_with_a_fresh_nonce()
    {
        (_, uint firstNonce) = await OsdStateAsync();
        Assert.Equal(0, await cluster.StopOsdAsync());

        DateTime deadline = DateTime.UtcNow.AddSeconds(60); // mon_osd_report_timeout is 20 s in the test cluster
        while ((await OsdStateAsync()).Up)
        {
            Assert.True(DateTime.UtcNow < deadline, "the monitor never marked the stopped OSD down");
            await Task.Delay(1000);
        }

        await cluster.StartOsdAsync();
        (bool up, uint secondNonce) = await OsdStateAsync();
        Assert.True(up);
        Assert.NotEqual(firstNonce, secondNonce);
    }

    private Task<(bool Up, uint Nonce)> OsdStateAsync() => cluster.OsdStateAsync(cluster.OsdId);
}
