using System.Diagnostics;

namespace KestrelMessenger.Tests.Config;

/// <summary>Runs the real Ceph tools (ceph-conf, monmaptool, ceph-authtool) as oracles, with a chosen environment.</summary>
internal static class CephTools
{
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("CEPH_ARGS");
        start.Environment.Remove("CEPH_CONF");
        start.Environment.Remove("CEPH_KEYRING");
        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>What `ceph-conf -c FILE -n ENTITY --lookup KEY` prints, or null when it finds nothing.</summary>
    public static async Task<string?> LookupAsync(string path, string entity, string key, IReadOnlyDictionary<string, string>? env = null)
    {
        (int exit, string output, string errors) = await RunAsync("ceph-conf", ["-c", path, "-n", entity, "--lookup", key], env);
        Assert.True(exit is 0 or 1, $"ceph-conf failed: {errors}");
        return exit == 0 ? output.TrimEnd('\n') : null;
    }

    /// <summary>A temporary directory removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("kmsgr-config-").FullName;

        public string Write(string name, string text)
        {
            string file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
