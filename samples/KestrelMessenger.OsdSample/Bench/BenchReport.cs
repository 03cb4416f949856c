using System.Globalization;

namespace KestrelMessenger.OsdSample.Bench;

/// <summary>What to run: N objects of a size, T in flight, each phase optionally time-limited.</summary>
public sealed record BenchSettings(int Objects, int Size, int InFlight, TimeSpan PhaseLimit);

/// <summary>One phase (write or read): operations, bytes, time and per-op latencies.</summary>
public sealed record PhaseResult(string Name, long Ops, long Bytes, TimeSpan Elapsed, double[] LatenciesMicros, long Errors)
{
    /// <summary>Operations per second.</summary>
    public double OpsPerSecond => Ops / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Payload MB/s (10^6 bytes).</summary>
    public double MegabytesPerSecond => Bytes / 1e6 / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>A latency percentile in µs.</summary>
    public double Percentile(double p) => LatenciesMicros.Length == 0 ? 0 : LatenciesMicros[Math.Clamp((int)Math.Ceiling(p * LatenciesMicros.Length) - 1, 0, LatenciesMicros.Length - 1)];
}

/// <summary>The load generator's result.</summary>
public sealed record BenchReport(PhaseResult Write, PhaseResult Read)
{
    /// <summary>Failed operations (errors, short or wrong reads).</summary>
    public long Errors => Write.Errors + Read.Errors;

    /// <summary>One line for the demo's summary.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Write.Ops} writes at {Write.OpsPerSecond:0} ops/s, {Read.Ops} reads at {Read.OpsPerSecond:0} ops/s, {Errors} errors");

    /// <summary>Prints the closing table.</summary>
    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("  phase        ops      ops/s      MB/s   p50 (us)   p99 (us)   max (us)   errors");
        foreach (PhaseResult p in new[] { Write, Read })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {p.Name,-6} {p.Ops,9} {p.OpsPerSecond,10:0} {p.MegabytesPerSecond,9:0.0} {p.Percentile(0.5),10:0} {p.Percentile(0.99),10:0} {p.Percentile(1),10:0} {p.Errors,8}"));
        }

        output.WriteLine();
    }
}
