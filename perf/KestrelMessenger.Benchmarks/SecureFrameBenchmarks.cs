using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Benchmarks;

/// <summary>
/// A MESSAGE frame (41-byte header, the payload as data) through the crc codec and the secure
/// (AES-128-GCM) codec side by side. Encoding goes into a pre-sized <see cref="ArrayBufferWriter{T}"/>
/// and into a <see cref="Pipe"/> whose pool hands out 4 KiB blocks, as Kestrel's does (a span bigger than
/// a block then comes from <see cref="ArrayPool{T}.Shared"/>), drained after every frame.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SecureFrameEncodeBenchmarks : IDisposable
{
    private readonly byte[] _header = Payloads.Header();
    private readonly SecureFrameCodec _secure = SecureFrameCodec.FromConnectionSecret(SecureSecret.Bytes, isServer: false);
    private ArrayBufferWriter<byte> _output = new();
    private ReadOnlySequence<byte> _data;
    private Pipe _pipe = new();

    [Params(4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new ReadOnlySequence<byte>(Payloads.Create(Size));
        _output = new ArrayBufferWriter<byte>(FrameSizes.MessageFrame(Size));
        _pipe = new Pipe(new PipeOptions(pool: new BlockPool(), pauseWriterThreshold: 0, useSynchronizationContext: false));
    }

    [Benchmark(Baseline = true)]
    public int Crc()
    {
        _output.ResetWrittenCount();
        CrcFrameCodec.Instance.Write(_output, Tag.Message, _header, default, default, _data);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int Secure()
    {
        _output.ResetWrittenCount();
        _secure.Write(_output, Tag.Message, _header, default, default, _data);
        return _output.WrittenCount;
    }

    [Benchmark]
    public long CrcPipe() => Drain(CrcFrameCodec.Instance);

    [Benchmark]
    public long SecurePipe() => Drain(_secure);

    private long Drain(FrameCodec codec)
    {
        codec.Write(_pipe.Writer, Tag.Message, _header, default, default, _data);
        _pipe.Writer.FlushAsync().GetAwaiter().GetResult();
        _pipe.Reader.TryRead(out ReadResult read);
        long length = read.Buffer.Length;
        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return length;
    }

    public void Dispose()
    {
        _secure.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Decoding a pre-encoded MESSAGE frame: crc (CRCs checked, segments sliced) next to secure (GCM tags
/// checked, plaintext into the codec's reused buffer), contiguous and as a chain of 4 KiB buffers.
/// The secure receiver's nonce is set back before every decode so the same frame verifies again.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SecureFrameDecodeBenchmarks : IDisposable
{
    private readonly SecureFrameCodec _receiver = SecureFrameCodec.FromConnectionSecret(SecureSecret.Bytes, isServer: true);
    private ReadOnlySequence<byte> _crc;
    private ReadOnlySequence<byte> _crcSegmented;
    private ReadOnlySequence<byte> _secure;
    private ReadOnlySequence<byte> _secureSegmented;
    private ulong _rx;

    [Params(4096, 65536, 4194304)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] header = Payloads.Header();
        var data = new ReadOnlySequence<byte>(Payloads.Create(Size));

        var crc = new ArrayBufferWriter<byte>();
        CrcFrameCodec.Instance.Write(crc, Tag.Message, header, default, default, data);
        _crc = new ReadOnlySequence<byte>(crc.WrittenSpan.ToArray());
        _crcSegmented = Chunked.Create(crc.WrittenSpan.ToArray(), 4096);

        using SecureFrameCodec sender = SecureFrameCodec.FromConnectionSecret(SecureSecret.Bytes, isServer: false);
        var secure = new ArrayBufferWriter<byte>();
        sender.Write(secure, Tag.Message, header, default, default, data);
        _secure = new ReadOnlySequence<byte>(secure.WrittenSpan.ToArray());
        _secureSegmented = Chunked.Create(secure.WrittenSpan.ToArray(), 4096);
        _rx = _receiver.Counters.Rx;
        if (Secure() != _secure.Length + Size || SecureSegmented() != _secure.Length + Size || Crc() != _crc.Length + Size)
        {
            throw new InvalidOperationException("the pre-encoded frames do not decode");
        }
    }

    [Benchmark(Baseline = true)]
    public long Crc() => Decode(CrcFrameCodec.Instance, _crc);

    [Benchmark]
    public long CrcSegmented() => Decode(CrcFrameCodec.Instance, _crcSegmented);

    [Benchmark]
    public long Secure()
    {
        _receiver.RewindReceive(_rx);
        return Decode(_receiver, _secure);
    }

    [Benchmark]
    public long SecureSegmented()
    {
        _receiver.RewindReceive(_rx);
        return Decode(_receiver, _secureSegmented);
    }

    private static long Decode(FrameCodec codec, in ReadOnlySequence<byte> input)
    {
        codec.TryDecode(input, FrameLimits.Default, out Frame frame, out long length);
        return length + frame.Segment3.Length;
    }

    public void Dispose()
    {
        _receiver.Dispose();
        GC.SuppressFinalize(this);
    }
}

internal static class SecureSecret
{
    public static readonly byte[] Bytes = Payloads.Create(64);
}

/// <summary>A pool of 4 KiB blocks, the shape of Kestrel's pinned block pool.</summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    public override int MaxBufferSize => 4096;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Owner(ArrayPool<byte>.Shared.Rent(4096));

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Owner(byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => array;

        public void Dispose() => ArrayPool<byte>.Shared.Return(array);
    }
}
