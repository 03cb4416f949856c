using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KestrelMessenger.Wire;

/// <summary>
/// CRC-32C as Ceph's <c>ceph_crc32c(seed, buf, len)</c> computes it: the raw reflected Castagnoli
/// accumulation with no final XOR. msgr2.1 uses seed 0 for the preamble and seed 0xFFFFFFFF
/// (Ceph writes -1) for segments.
/// </summary>
/// <remarks>
/// Three ways to compute the same value, chosen by length and CPU:
/// <list type="bullet">
/// <item>one chain of <c>crc32</c> instructions (<see cref="AppendSingleStream"/>): every step waits for
/// the previous one, so it runs at the instruction's latency, 8 bytes per 3 cycles;</item>
/// <item>three independent chains over adjacent blocks, joined by a carry-less multiply
/// (<see cref="AppendInterleaved"/>): keeps the <c>crc32</c> unit busy every cycle, 2.5 to 3 times faster;</item>
/// <item>512-bit carry-less folding (<see cref="AppendFolded"/>), where the CPU has VPCLMULQDQ:
/// 256 bytes per step, about twice the interleaved speed again from 1 KiB up.</item>
/// </list>
/// All of them rest on CRC linearity: for the raw form, <c>crc(s, A‖B) = crc(s, A)·x^(8|B|) ⊕ crc(0, B)</c>
/// (mod P), so work can be split and the parts joined by multiplying with a power of x. The powers used
/// are computed at type initialisation by <see cref="XPowerModP"/>, not written down as magic numbers.
/// </remarks>
public static partial class Crc32C
{
    /// <summary>The seed of the 28-byte preamble CRC.</summary>
    public const uint PreambleSeed = 0;

    /// <summary>The seed of every segment CRC (after segment 0 and in the epilogue).</summary>
    public const uint SegmentSeed = 0xFFFFFFFF;

    /// <summary>The reflected Castagnoli polynomial 0x1EDC6F41: bit <c>i</c> is the coefficient of x^(31−i).</summary>
    internal const uint ReflectedPolynomial = 0x82F63B78;

    // Measured on an AMD EPYC with AVX-512: three chains already beat one at 96 bytes (11.5 against
    // 9.6 GB/s) and lose at 64, where the join costs more than it saves; folding ties with three chains at
    // 256 bytes and beats them from 512 (30-34 against 21-22 GB/s). The thresholds sit on the safe side
    // of those crossings. They only decide speed: every path gives the same value at every length.
    internal const int InterleaveFrom = 128;
    internal const int FoldFrom = 512;

    // Copy-and-checksum works in chunks small enough to stay in L1/L2 between the two, large enough for folding.
    private const int CopyChunk = 32 * 1024;

    /// <summary>Accumulates <paramref name="data"/> onto <paramref name="crc"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (data.Length >= FoldFrom && CanFold)
        {
            return AppendFolded(crc, data);
        }

        if (data.Length >= InterleaveFrom && CanInterleave)
        {
            return AppendInterleaved(crc, data);
        }

        return AppendSingleStream(crc, data);
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

    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/> and accumulates it
    /// onto <paramref name="crc"/> in the same pass: each chunk is checksummed right after it is copied,
    /// while it is still in the cache, so a large segment is read from memory once instead of twice.
    /// </summary>
    public static uint CopyAndAppend(uint crc, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length);
        while (!source.IsEmpty)
        {
            int n = Math.Min(source.Length, CopyChunk);
            source[..n].CopyTo(destination);
            crc = Append(crc, destination[..n]);
            source = source[n..];
            destination = destination[n..];
        }

        return crc;
    }

    /// <summary>The CRC of a segment (seed 0xFFFFFFFF).</summary>
    public static uint Segment(ReadOnlySpan<byte> data) => Append(SegmentSeed, data);

    /// <summary>The CRC of a segment held in a sequence (seed 0xFFFFFFFF).</summary>
    public static uint Segment(in ReadOnlySequence<byte> data) => Append(SegmentSeed, data);

    /// <summary>
    /// One dependent chain of <c>crc32</c> steps: the fastest form for short inputs and the portable one.
    /// </summary>
    internal static uint AppendSingleStream(uint crc, ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C is the SSE4.2 / ARMv8 instruction where the CPU has it (with a software
        // fallback elsewhere), and, like the instruction, applies no inversion: exactly Ceph's raw form.
        // It takes a word's bytes in little-endian order, hence the swap on big-endian hosts.
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; length - i >= sizeof(ulong); i += sizeof(ulong))
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
        }

        // At most 7 bytes remain: three steps instead of up to seven.
        if (length - i >= sizeof(uint))
        {
            uint w = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i));
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
            i += sizeof(uint);
        }

        if (length - i >= sizeof(ushort))
        {
            ushort w = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
            i += sizeof(ushort);
        }

        if (i < length)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.Add(ref p, i));
        }

        return crc;
    }

    /// <summary>
    /// x^<paramref name="n"/> mod P in the reflected form (x^0 is 0x80000000), by repeated multiplication
    /// by x: only run at type initialisation, for the handful of powers the fast paths join or fold with.
    /// </summary>
    internal static uint XPowerModP(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        uint r = 0x80000000;
        for (int i = 0; i < n; i++)
        {
            r = MultiplyByX(r);
        }

        return r;
    }

    /// <summary>r·x mod P: in the reflected form a right shift, reducing when x^31's coefficient moves out.</summary>
    internal static uint MultiplyByX(uint r) => (r >> 1) ^ ((r & 1) * ReflectedPolynomial);
}
