using System.Text.RegularExpressions;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>A default cluster: cephx required everywhere; our OSD's key from `ceph auth get-or-create osd.N …`.</summary>
public sealed class CephxClusterFixture : CephClusterFixture
{
    protected override IEnumerable<string> ClusterOptions => ["--cephx"];
}

/// <summary>cephx and every ms_*_mode = secure: nothing in the cluster can pass in crc mode.</summary>
public sealed class SecureClusterFixture : CephClusterFixture
{
    protected override IEnumerable<string> ClusterOptions => ["--secure"];
}

/// <summary>cephx with the monitors rotating the service secrets every 30 s (auth_service_ticket_ttl).</summary>
public sealed class RotatingSecretsFixture : CephClusterFixture
{
    protected override IEnumerable<string> ClusterOptions => ["--cephx"];

    protected override string? ExtraConf => "[global]\nauth_service_ticket_ttl = 30\n";
}

/// <summary>Our OSD in a cluster configured the way real clusters are, used by the real `rados` with cephx.</summary>
public abstract class CephxOsdTests(CephClusterFixture cluster) : IAsyncLifetime
{
    private OsdProcess? _osd;

    public async Task InitializeAsync()
    {
        _osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid, "--beacon-interval", "5");
        await _osd.WaitUntilUpAsync(cluster.OsdId);
    }

    public async Task DisposeAsync() => Assert.Equal(0, await _osd!.StopAsync());

    [Fact]
    public async Task The_monitor_marks_our_osd_up_and_rados_round_trips_a_1_MiB_object_and_a_bench()
    {
        Assert.True((await cluster.OsdStateAsync(cluster.OsdId)).Up);
        Assert.Contains(_osd!.Output, l => l.Contains("rotating service secrets updated", StringComparison.Ordinal));

        byte[] data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        string input = Path.Combine(cluster.Directory, "in"), output = Path.Combine(cluster.Directory, "out");
        await File.WriteAllBytesAsync(input, data);
        (int put, _, string putErr) = await cluster.RadosAsync("put", "obj", input);
        Assert.True(put == 0, putErr);
        (int stat, string statOut, string statErr) = await cluster.RadosAsync("stat", "obj");
        Assert.True(stat == 0, statErr);
        Assert.Contains("size 1048576", statOut);
        Assert.Equal(0, (await cluster.RadosAsync("get", "obj", output)).ExitCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(output));

        (int write, string writeOut, string writeErr) = await cluster.RadosAsync("bench", "3", "write", "-b", "4096", "-t", "16", "--no-cleanup");
        Assert.True(write == 0, writeErr);
        Assert.Contains("Total writes made:", writeOut);
        (int seq, string seqOut, string seqErr) = await cluster.RadosAsync("bench", "3", "seq", "-t", "16");
        Assert.True(seq == 0, seqErr);
        Assert.Contains("Total reads made:", seqOut);
        Assert.Equal(0, (await cluster.RadosAsync("cleanup")).ExitCode);
    }
}

public sealed class CephxCrcOsdTests(CephxClusterFixture cluster) : CephxOsdTests(cluster), IClassFixture<CephxClusterFixture>;

public sealed class CephxSecureOsdTests(SecureClusterFixture cluster) : CephxOsdTests(cluster), IClassFixture<SecureClusterFixture>;

/// <summary>The rotating secrets change under a running OSD; it fetches each new set and keeps serving old and new clients.</summary>
public sealed partial class RotatingSecretsTests(RotatingSecretsFixture cluster) : IClassFixture<RotatingSecretsFixture>
{
    [Fact]
    public async Task Our_osd_keeps_serving_a_real_client_across_two_rotations()
    {
        await using OsdProcess osd = cluster.StartOsd(cluster.OsdId, cluster.Uuid, "--beacon-interval", "5", "--set", "mon_client_ping_interval=2");
        await osd.WaitUntilUpAsync(cluster.OsdId);
        int first = NewestSecretId(osd);

        // One client holds its ticket through the rotations; fresh ones get tickets sealed with newer secrets.
        Task<(int ExitCode, string Output, string Errors)> longRunning = cluster.RadosAsync("bench", "75", "write", "-b", "4096", "-t", "4", "--no-cleanup");
        string file = Path.Combine(cluster.Directory, "rotation");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        int round = 0;
        while (NewestSecretId(osd) < first + 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the OSD saw no two rotations (secret ids {first} → {NewestSecretId(osd)})");
            (int put, _, string putErr) = await cluster.RadosAsync("put", $"rotation-{round++}", file);
            Assert.True(put == 0, $"a fresh client after secret id {NewestSecretId(osd)}: {putErr}");
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        (int exit, string benchOut, string benchErr) = await longRunning;
        Assert.True(exit == 0, benchErr);
        Assert.Contains("Total writes made:", benchOut);
        (int get, _, string getErr) = await cluster.RadosAsync("get", "rotation-0", Path.Combine(cluster.Directory, "rotation.out"));
        Assert.True(get == 0, getErr);

        // Its own service tickets (30 s here) were renewed over MAuth before they ran out, as Ceph's tick does.
        Assert.Contains(osd.Output, l => l.Contains("tickets renewed", StringComparison.Ordinal));
        Assert.Equal(0, await osd.StopAsync());
    }

    private static int NewestSecretId(OsdProcess osd) => osd.Output
        .Select(l => SecretId().Match(l))
        .Where(m => m.Success)
        .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
        .DefaultIfEmpty(0)
        .Max();

    [GeneratedRegex(@"rotating service secrets updated \(newest secret id (\d+)\)")]
    private static partial Regex SecretId();
}
