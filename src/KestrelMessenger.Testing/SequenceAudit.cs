namespace KestrelMessenger.Testing;

/// <summary>What a receiver saw of a stream of messages numbered 0, 1, 2 …</summary>
/// <param name="Expected">How many were sent.</param>
/// <param name="Received">How many arrived, duplicates included.</param>
/// <param name="Lost">Numbers below <paramref name="Expected"/> that never arrived.</param>
/// <param name="Duplicated">Arrivals of a number already seen.</param>
/// <param name="Reordered">First arrivals of a number lower than one already seen.</param>
public readonly record struct SequenceReport(long Expected, long Received, long Lost, long Duplicated, long Reordered)
{
    /// <summary>Every message exactly once, in order.</summary>
    public bool IsPerfect => Lost == 0 && Duplicated == 0 && Reordered == 0 && Received == Expected;

    /// <inheritdoc />
    public override string ToString() => $"{Received} of {Expected} received: {Lost} lost, {Duplicated} duplicated, {Reordered} reordered";
}

/// <summary>
/// Audits a stream of numbered messages at the receiver: counts what was lost, duplicated or arrived out
/// of order. Thread-safe; one bit per number seen, so a million messages take 128 KiB.
/// </summary>
public sealed class SequenceAudit
{
    private readonly object _lock = new();
    private ulong[] _seen = new ulong[1024];
    private long _highest = -1;
    private long _received;
    private long _duplicated;
    private long _reordered;

    /// <summary>Arrivals so far, duplicates included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Records the arrival of message <paramref name="number"/>.</summary>
    public void Record(long number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        lock (_lock)
        {
            _received++;
            long word = number >> 6;
            if (word >= _seen.Length)
            {
                Array.Resize(ref _seen, (int)Math.Max(word + 1, _seen.Length * 2L));
            }

            ulong bit = 1UL << (int)(number & 63);
            if ((_seen[word] & bit) != 0)
            {
                _duplicated++;
                return;
            }

            _seen[word] |= bit;
            if (number < _highest)
            {
                _reordered++;
            }

            _highest = Math.Max(_highest, number);
        }
    }

    /// <summary>True when message <paramref name="number"/> arrived.</summary>
    public bool Contains(long number)
    {
        lock (_lock)
        {
            long word = number >> 6;
            return word < _seen.Length && (_seen[word] & (1UL << (int)(number & 63))) != 0;
        }
    }

    /// <summary>The audit of the first <paramref name="expected"/> numbers.</summary>
    public SequenceReport Report(long expected)
    {
        lock (_lock)
        {
            long present = 0;
            for (long n = 0; n < expected; n++)
            {
                long word = n >> 6;
                if (word < _seen.Length && (_seen[word] & (1UL << (int)(n & 63))) != 0)
                {
                    present++;
                }
            }

            return new SequenceReport(expected, _received, expected - present, _duplicated, _reordered);
        }
    }
}
