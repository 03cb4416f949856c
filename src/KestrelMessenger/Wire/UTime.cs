namespace KestrelMessenger.Wire;

/// <summary>Ceph's <c>utime_t</c> / <c>ceph_timespec</c>: le32 seconds, le32 nanoseconds since the Unix epoch.</summary>
public readonly record struct UTime(uint Seconds, uint Nanoseconds)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int EncodedSize = 8;

    /// <summary>The current wall-clock time.</summary>
    public static UTime Now => FromDateTimeOffset(DateTimeOffset.UtcNow);

    /// <summary>Converts from a <see cref="DateTimeOffset"/>.</summary>
    public static UTime FromDateTimeOffset(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTime.UnixEpoch.Ticks;
        return new UTime((uint)(ticks / TimeSpan.TicksPerSecond), (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    /// <summary>Converts to a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        new(DateTime.UnixEpoch.Ticks + Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100, TimeSpan.Zero);

    /// <summary>A key that orders stamps by time (nanoseconds stay below 2^30).</summary>
    public ulong Ticks => ((ulong)Seconds << 32) | Nanoseconds;

    /// <summary>The stamp one nanosecond later.</summary>
    public UTime NextNanosecond() => Nanoseconds >= 999_999_999 ? new UTime(Seconds + 1, 0) : this with { Nanoseconds = Nanoseconds + 1 };

    /// <summary>Writes the 8-byte form.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU32(Seconds);
        writer.WriteU32(Nanoseconds);
    }

    /// <summary>Reads the 8-byte form.</summary>
    public static UTime Decode(ref DencReader reader) => new(reader.ReadU32(), reader.ReadU32());

    /// <inheritdoc />
    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}
