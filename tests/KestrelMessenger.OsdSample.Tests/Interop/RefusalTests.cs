namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>An OSD the real monitors will not have exits with a clear message and exit code 2.</summary>
public class RefusalTests(RealClusterFixture cluster) : IClassFixture<RealClusterFixture>
{
    private static string Sample => Path.Combine(AppContext.BaseDirectory, "osd-sample.dll");

    [Fact]
    public async Task An_unknown_osd_id_is_refused_with_the_command_that_would_create_it()
    {
        (int exit, _, string errors) = await Processes.RunAsync("dotnet",
            [Sample, "osd", "--id", "42", "--uuid", Guid.NewGuid().ToString(), "--conf", cluster.Conf], TimeSpan.FromSeconds(90));
        Assert.Equal(2, exit);
        Assert.Contains("the monitors do not know osd.42: create it first with `ceph osd new", errors);
    }

    [Fact]
    public async Task A_wrong_cluster_fsid_is_refused()
    {
        string conf = Path.Combine(cluster.Directory, "wrong-fsid.conf");
        Guid wrong = Guid.NewGuid();
        string monHost = File.ReadLines(cluster.Conf).First(l => l.TrimStart().StartsWith("mon_host", StringComparison.Ordinal));
        await File.WriteAllTextAsync(conf, $"[global]\nfsid = {wrong}\n{monHost}\n");

        (int exit, _, string errors) = await Processes.RunAsync("dotnet",
            [Sample, "osd", "--id", cluster.OsdId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--uuid", cluster.Uuid.ToString(), "--conf", conf], TimeSpan.FromSeconds(90));
        Assert.Equal(2, exit);
        Assert.Contains($"is not ours ({wrong}): wrong cluster", errors);
    }
}
