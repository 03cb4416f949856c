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

    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        using Process process = Process.Start(StartInfo(args))!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
