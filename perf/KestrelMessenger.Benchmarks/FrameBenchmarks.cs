using System.Buffers;
using BenchmarkDotNet.Attributes;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Benchmarks;

/// <summary>
/// Encoding a MESSAGE frame: 41-byte header in segment 0, empty front and middle, the payload as data.
/// Includes the preamble CRC, the header CRC, the copy of the data and its CRC.
/// </summary>
[MemoryDiagnoser]
public class FrameEncodeBenchmarks
{
    private readonly byte[] _header = Payloads.Header();
    private ArrayBufferWriter<byte> _output = new();
    private ReadOnlySequence<byte> _data;

    [Params(0, 4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new ReadOnlySequence<byte>(Payloads.Create(Size));
        _output = new ArrayBufferWriter<byte>(FrameSizes.MessageFrame(Size));
    }

    [Benchmark]
    public int Write()
    {
        _output.ResetWrittenCount();
        FrameEncoder.Write(_output, Tag.Message, _header, ReadOnlySequence<byte>.Empty, ReadOnlySequence<byte>.Empty, _data);
        return _output.WrittenCount;
    }
}

/// <summary>
/// Decoding a pre-encoded MESSAGE frame (preamble checks, header CRC, data CRC; no copy: segments are
/// slices). <see cref="TryDecodeSegmented"/> feeds the same frame as a chain of 4 KiB buffers, the
/// shape a Kestrel pipe hands the read loop.
/// </summary>
[MemoryDiagnoser]
public class FrameDecodeBenchmarks
{
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _segmented;

    [Params(0, 4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] header = Payloads.Header();
        var output = new ArrayBufferWriter<byte>(FrameSizes.MessageFrame(Size));
        FrameEncoder.Write(output, Tag.Message, header, ReadOnlySequence<byte>.Empty, ReadOnlySequence<byte>.Empty,
            new ReadOnlySequence<byte>(Payloads.Create(Size)));
        byte[] frame = output.WrittenSpan.ToArray();
        _contiguous = new ReadOnlySequence<byte>(frame);
        _segmented = Chunked.Create(frame, 4096);
        if (!FrameDecoder.TryDecode(_contiguous, FrameLimits.Default, out _, out long a) || a != frame.Length
            || !FrameDecoder.TryDecode(_segmented, FrameLimits.Default, out _, out long b) || b != frame.Length)
        {
            throw new InvalidOperationException("the pre-encoded frame does not decode");
        }
    }

    [Benchmark(Baseline = true)]
    public long TryDecode()
    {
        FrameDecoder.TryDecode(_contiguous, FrameLimits.Default, out Frame frame, out long length);
        return length + frame.Segment3.Length;
    }

    [Benchmark]
    public long TryDecodeSegmented()
    {
        FrameDecoder.TryDecode(_segmented, FrameLimits.Default, out Frame frame, out long length);
        return length + frame.Segment3.Length;
    }
}

/// <summary>
/// What the write loop does per message: fill a <see cref="MessageHeader"/>, write its 41 bytes, then
/// encode the MESSAGE frame with the payload as data.
/// </summary>
[MemoryDiagnoser]
public class MessageEncodeBenchmarks
{
    private readonly byte[] _header = Payloads.Header();
    private ArrayBufferWriter<byte> _output = new();
    private ReadOnlySequence<byte> _data;
    private ulong _seq;

    [Params(0, 4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new ReadOnlySequence<byte>(Payloads.Create(Size));
        _output = new ArrayBufferWriter<byte>(FrameSizes.MessageFrame(Size));
    }

    [Benchmark]
    public int HeaderAndFrame()
    {
        ulong seq = ++_seq;
        var header = new MessageHeader
        {
            Seq = seq,
            Tid = seq,
            Type = 0x7000,
            Priority = MessagePriority.Default,
            Version = 1,
            AckSeq = seq - 1,
            Flags = MessageHeader.DefaultFlags,
            CompatVersion = 1,
        };
        header.Write(_header);
        _output.ResetWrittenCount();
        FrameEncoder.Write(_output, Tag.Message, _header, ReadOnlySequence<byte>.Empty, ReadOnlySequence<byte>.Empty, _data);
        return _output.WrittenCount;
    }
}

/// <summary>The 41-byte <c>ceph_msg_header2</c> alone.</summary>
[MemoryDiagnoser]
public class MessageHeaderBenchmarks
{
    private readonly byte[] _buffer = new byte[MessageHeader.Length];
    private MessageHeader _header;

    [GlobalSetup]
    public void Setup()
    {
        _header = new MessageHeader { Seq = 42, Tid = 7, Type = 0x7000, Priority = MessagePriority.Default, Version = 1, AckSeq = 41, Flags = MessageHeader.DefaultFlags, CompatVersion = 1 };
        _header.Write(_buffer);
    }

    [Benchmark]
    public byte Write()
    {
        _header.Write(_buffer);
        return _buffer[0];
    }

    [Benchmark]
    public ulong Read() => MessageHeader.Read(_buffer).Seq;
}

internal static class FrameSizes
{
    // preamble 32 + header 41 + its crc 4 + data + epilogue 13; rounded up generously.
    public static int MessageFrame(int dataLength) => dataLength + 256;
}

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> like a pipe's chain of blocks.</summary>
internal sealed class Chunked : ReadOnlySequenceSegment<byte>
{
    private Chunked(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(byte[] bytes, int chunk)
    {
        if (bytes.Length <= chunk)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new Chunked(bytes.AsMemory(0, chunk), 0);
        Chunked last = first;
        for (int at = chunk; at < bytes.Length; at += chunk)
        {
            var next = new Chunked(bytes.AsMemory(at, Math.Min(chunk, bytes.Length - at)), at);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
