using System.Diagnostics;
using System.Globalization;

namespace KestrelMessenger.Tests.Harness;

/// <summary>Running the real tools (ceph, rados, scripts, kmsgr) and stopping the daemons tests start, by PID.</summary>
public static class Processes
{
    /// <summary>Runs <paramref name="file"/> to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>SIGTERM, then SIGKILL if the process is still there after <paramref name="grace"/> (10 s by default).</summary>
    public static async Task StopAsync(int pid, TimeSpan? grace = null)
    {
        if (pid <= 0)
        {
            return;
        }

        try
        {
            using Process daemon = Process.GetProcessById(pid);
            await RunAsync("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]);
            try
            {
                await daemon.WaitForExitAsync().WaitAsync(grace ?? TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                daemon.Kill();
                await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    /// <summary>The repository checkout the tests run from (its scripts start the daemons).</summary>
    public static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "KestrelMessenger.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found");
    }
}
