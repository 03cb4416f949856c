namespace KestrelMessenger.Wire;

/// <summary>Encodings of small Ceph types that have no class of their own here.</summary>
public static class Denc
{
    /// <summary>Writes a <c>uuid_d</c> (an fsid): its 16 bytes in RFC 4122 order, no prefix.</summary>
    public static void WriteUuid(this DencWriter writer, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.WriteBytes(bytes);
    }

    /// <summary>Reads a <c>uuid_d</c>.</summary>
    public static Guid ReadUuid(this ref DencReader reader) => new(reader.ReadBytes(16), bigEndian: true);

    /// <summary>
    /// Writes a <c>ceph::signedspan</c> (a std::chrono duration): le32 seconds then le32 nanoseconds,
    /// both signed and truncated toward zero.
    /// </summary>
    public static void WriteSignedSpan(this DencWriter writer, TimeSpan value)
    {
        long totalNanoseconds = value.Ticks * 100;
        writer.WriteI32((int)(totalNanoseconds / 1_000_000_000));
        writer.WriteI32((int)(totalNanoseconds % 1_000_000_000));
    }

    /// <summary>Reads a <c>ceph::signedspan</c>.</summary>
    public static TimeSpan ReadSignedSpan(this ref DencReader reader)
    {
        long seconds = reader.ReadI32();
        long nanoseconds = reader.ReadI32();
        return TimeSpan.FromTicks((seconds * 1_000_000_000 + nanoseconds) / 100);
    }

    /// <summary>Writes a <c>vector&lt;string&gt;</c>: le32 count, then each string.</summary>
    public static void WriteStringList(this DencWriter writer, IReadOnlyCollection<string> values)
    {
        writer.WriteU32((uint)values.Count);
        foreach (string value in values)
        {
            writer.WriteString(value);
        }
    }

    /// <summary>Reads a <c>vector&lt;string&gt;</c> into <paramref name="into"/> (the count is bounded by what remains).</summary>
    public static void ReadStringList(this ref DencReader reader, List<string> into)
    {
        int count = reader.ReadCount(4);
        for (int i = 0; i < count; i++)
        {
            into.Add(reader.ReadString());
        }
    }
}
