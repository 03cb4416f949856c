using System.Buffers.Binary;
using KestrelMessenger.Protocol;

namespace KestrelMessenger.Limits;

/// <summary>
/// The server process's counters at one moment, as it answers a stats query: the driver takes one just
/// before and one just after its measured window, so the server's figures cover the same steady state.
/// </summary>
/// <param name="AllocatedBytes"><c>GC.GetTotalAllocatedBytes(precise: true)</c>.</param>
/// <param name="Messages">Requests (echo frames or messenger messages) handled so far.</param>
/// <param name="PayloadBytes">Their payload bytes.</param>
/// <param name="Gen0">Garbage collections so far, generation 0 (1 and 2 below).</param>
/// <param name="Gen1">Generation 1 collections.</param>
/// <param name="Gen2">Generation 2 collections.</param>
/// <param name="Mode">The connection mode the server negotiated on the connection the query came on (Unknown for echo).</param>
/// <param name="AuthMethod">The auth method it accepted there (0 for echo).</param>
internal readonly record struct ServerSnapshot(long AllocatedBytes, long Messages, long PayloadBytes, int Gen0, int Gen1, int Gen2, ConnectionMode Mode, uint AuthMethod)
{
    /// <summary>Encoded size: three u64 and five u32, little-endian.</summary>
    public const int Size = 3 * 8 + 5 * 4;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, AllocatedBytes);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Messages);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], PayloadBytes);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], Gen0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], Gen1);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], Gen2);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], (uint)Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], AuthMethod);
    }

    public static ServerSnapshot Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new InvalidDataException($"a server snapshot is {Size} bytes, got {source.Length}");
        }

        return new ServerSnapshot(
            BinaryPrimitives.ReadInt64LittleEndian(source),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[32..]),
            (ConnectionMode)BinaryPrimitives.ReadUInt32LittleEndian(source[36..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[40..]));
    }
}
