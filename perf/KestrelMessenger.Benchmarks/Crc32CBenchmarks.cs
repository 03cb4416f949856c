using BenchmarkDotNet.Attributes;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Benchmarks;

/// <summary>CRC-32C of one segment (the cost every frame pays per segment, on both ends).</summary>
[MemoryDiagnoser]
public class Crc32CBenchmarks
{
    private byte[] _payload = [];

    [Params(0, 4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _payload = Payloads.Create(Size);

    [Benchmark]
    public uint Segment() => Crc32C.Segment(_payload);
}
