using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Benchmarks;

/// <summary>
/// CRC-32C of one segment (the cost every frame pays per segment, on both ends), against the single
/// <c>crc32</c> chain it replaced and against System.IO.Hashing's CRC-32C.
/// </summary>
[MemoryDiagnoser]
public class Crc32CBenchmarks
{
    private byte[] _payload = [];

    [Params(0, 4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = Payloads.Create(Size);
        uint expected = SingleStream();
        if (Segment() != expected || Interleaved() != expected || SystemIOHashing() != expected)
        {
            throw new InvalidOperationException("The CRC-32C variants disagree.");
        }
    }

    /// <summary>What <see cref="Crc32C.Segment(ReadOnlySpan{byte})"/> did before: one dependent chain of 8-byte steps.</summary>
    [Benchmark(Baseline = true)]
    public uint SingleStream()
    {
        uint crc = Crc32C.SegmentSeed;
        ReadOnlySpan<byte> data = _payload;
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

    /// <summary>What frames use: folding from 512 bytes where the CPU has VPCLMULQDQ, three chains from 128 bytes.</summary>
    [Benchmark]
    public uint Segment() => Crc32C.Segment(_payload);

    /// <summary>Three interleaved chains at every size, as CPUs without 512-bit carry-less multiply run it.</summary>
    [Benchmark]
    public uint Interleaved() =>
        Crc32C.CanInterleave ? Crc32C.AppendInterleaved(Crc32C.SegmentSeed, _payload) : Crc32C.Segment(_payload);

    /// <summary>System.IO.Hashing's CRC-32C: the standard form, whose seed and final XOR are both 0xFFFFFFFF.</summary>
    [Benchmark]
    public uint SystemIOHashing() => ~Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, _payload);
}
