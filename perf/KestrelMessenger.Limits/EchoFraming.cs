using System.Buffers;
using System.Buffers.Binary;

namespace KestrelMessenger.Limits;

/// <summary>
/// The raw echo protocol: each frame is a 4-byte little-endian length, then that many payload bytes; the
/// server sends every frame back as it came. Length -1 (no payload) asks for a <see cref="ServerSnapshot"/>,
/// which comes back as an ordinary frame. Nothing else: this is the least a request/reply protocol can do
/// on the same sockets and pipes, so the messenger's figures divided by these show what msgr2 costs.
/// </summary>
internal static class EchoFraming
{
    public const int HeaderLength = 4;

    /// <summary>The length that asks for the server's counters.</summary>
    public const int StatsRequest = -1;

    /// <summary>No request of ours is larger (the messenger's default data segment limit, 64 MiB).</summary>
    public const int MaxPayload = 64 << 20;

    public static void WriteHeader(IBufferWriter<byte> output, int length)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(HeaderLength), length);
        output.Advance(HeaderLength);
    }

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/>; false when it has not all arrived.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out int length, out ReadOnlySequence<byte> payload)
    {
        length = 0;
        payload = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < StatsRequest or > MaxPayload)
        {
            throw new InvalidDataException($"echo frame length {length} is out of range");
        }

        int body = Math.Max(length, 0);
        if (buffer.Length < HeaderLength + body)
        {
            return false;
        }

        payload = buffer.Slice(HeaderLength, body);
        buffer = buffer.Slice(HeaderLength + body);
        return true;
    }
}
