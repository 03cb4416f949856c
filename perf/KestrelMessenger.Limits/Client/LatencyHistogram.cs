using System.Diagnostics;
using System.Numerics;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// Round-trip times in nanoseconds, counted into fixed log-linear buckets: 64 per power of two, so a
/// percentile is within 0.8 % of the true value. A list of samples would grow, and its allocations would
/// land in the very per-message figure this tool reports; the buckets are allocated once.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;

    // Values below 64 ns have a bucket each; above, 64 buckets for each of the powers 2^6 .. 2^62.
    private const int BucketCount = (63 - SubBucketBits + 1) * SubBuckets;

    private static readonly double s_nanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[BucketCount];

    public long Count
    {
        get
        {
            long total = 0;
            foreach (long c in _counts)
            {
                total += c;
            }

            return total;
        }
    }

    /// <summary>Counts one round trip of <paramref name="ticks"/> Stopwatch ticks.</summary>
    public void Record(long ticks) => Interlocked.Increment(ref _counts[Index((long)(Math.Max(ticks, 0) * s_nanosPerTick))]);

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            _counts[i] += Interlocked.Read(ref other._counts[i]);
        }
    }

    /// <summary>The <paramref name="quantile"/> (0..1) in microseconds: the middle of the bucket holding that rank; NaN when empty.</summary>
    public double Percentile(double quantile)
    {
        long total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                (long low, long width) = Bounds(i);
                return (low + (width - 1) / 2.0) / 1000.0;
            }
        }

        return double.NaN;
    }

    private static int Index(long nanos)
    {
        if (nanos < SubBuckets)
        {
            return (int)nanos;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)nanos);
        int shift = msb - SubBucketBits;
        return ((shift + 1) << SubBucketBits) + (int)((nanos >> shift) & (SubBuckets - 1));
    }

    private static (long Low, long Width) Bounds(int index)
    {
        if (index < SubBuckets)
        {
            return (index, 1);
        }

        int shift = (index >> SubBucketBits) - 1;
        long mantissa = SubBuckets + (index & (SubBuckets - 1));
        return (mantissa << shift, 1L << shift);
    }
}
