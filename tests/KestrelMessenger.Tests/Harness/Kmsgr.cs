using System.Diagnostics;

namespace KestrelMessenger.Tests.Harness;

/// <summary>Runs the real kmsgr CLI (built next to the tests) as a separate process.</summary>
public static class Kmsgr
{
    public static ProcessStartInfo StartInfo(params string[] args) => new("dotnet", [Path.Combine(AppContext.BaseDirectory, "kmsgr.dll"), .. args])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };

    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args) =>
        Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "kmsgr.dll"), .. args], TimeSpan.FromSeconds(60));

    /// <summary>Runs kmsgr with these environment variables set (CEPH_ARGS, CEPH_CONF …) on top of ours.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ProcessStartInfo start = StartInfo(args);
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start kmsgr");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
