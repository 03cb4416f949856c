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
}
