using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace KestrelMessenger.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project perf/KestrelMessenger.Benchmarks -- --filter '*Crc*' --job short</c>.
/// Every BenchmarkDotNet option works. Two local conventions:
/// <list type="bullet">
/// <item>Benchmarks run in-process (BenchmarkDotNet's <c>--inProcess</c>) unless <c>--out-of-process</c> is given.
/// Out of process, BenchmarkDotNet generates a project per job and compiles src/KestrelMessenger into it again,
/// which takes minutes on a 2-core machine and reads a tree that may be mid-edit.</item>
/// <item>Results go to perf/KestrelMessenger.Benchmarks/BenchmarkDotNet.Artifacts unless <c>--artifacts</c> is given.</item>
/// </list>
/// </summary>
public static class Program
{
    private const string OutOfProcess = "--out-of-process";

    public static void Main(string[] args)
    {
        List<string> arguments = [.. args];
        bool outOfProcess = arguments.Remove(OutOfProcess);
        if (!outOfProcess && !arguments.Any(a => a is "--inProcess" or "-i" or "--runtimes" or "-r" or "--coreRun" or "--cli"))
        {
            arguments.Add("--inProcess");
        }

        IConfig config = DefaultConfig.Instance;
        string? projectDirectory = FindProjectDirectory();
        if (projectDirectory is not null && !arguments.Any(a => a is "--artifacts" or "-a"))
        {
            config = config.WithArtifactsPath(Path.Combine(projectDirectory, "BenchmarkDotNet.Artifacts"));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. arguments], config);
    }

    /// <summary>perf/KestrelMessenger.Benchmarks when running from its bin/CONFIG/TFM folder.</summary>
    private static string? FindProjectDirectory()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        for (int up = 0; up < 4 && dir is not null; up++, dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KestrelMessenger.Benchmarks.csproj")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
