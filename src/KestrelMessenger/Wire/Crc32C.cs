using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace KestrelMessenger.Wire;

/// <summary>
/// CRC-32C as Ceph's <c>ceph_crc32c(seed, buf, len)</c> computes it: the raw reflected Castagnoli
/// accumulation with no final XOR. msgr2.1 uses seed 0 for the preamble and seed 0xFFFFFFFF
/// (Ceph writes -1) for segments.
/// </summary>
public static class Crc32C
{
    /// <summary>The seed of the 28-byte preamble CRC.</summary>
    public const uint PreambleSeed = 0;

    /// <summary>The seed of every segment CRC (after segment 0 and in the epilogue).</summary>
    public const uint SegmentSeed = 0xFFFFFFFF;

    /// <summary>Accumulates <paramref name="data"/> onto <paramref name="crc"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C is the SSE4.2 / ARMv8 instruction where the CPU has it (with a
        // software fallback), and, like the instruction, applies no inversion: exactly Ceph's raw form.
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong w in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
        }

        foreach (byte b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    /// <summary>Accumulates every segment of <paramref name="data"/> without copying it.</summary>
    public static uint Append(uint crc, in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return Append(crc, data.FirstSpan);
        }

        foreach (ReadOnlyMemory<byte> part in data)
        {
            crc = Append(crc, part.Span);
        }

        return crc;
    }

    /// <summary>The CRC of a segment (seed 0xFFFFFFFF).</summary>
    public static uint Segment(ReadOnlySpan<byte> data) => Append(SegmentSeed, data);

    /// <summary>The CRC of a segment held in a sequence (seed 0xFFFFFFFF).</summary>
    public static uint Segment(in ReadOnlySequence<byte> data) => Append(SegmentSeed, data);
}
