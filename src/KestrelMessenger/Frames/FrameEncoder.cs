using System.Buffers;
using System.Buffers.Binary;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Frames;

/// <summary>
/// Encodes msgr2.1 crc-mode frames into any <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c> in
/// production). Each segment is copied once, and its CRC is computed in the same pass.
/// </summary>
public static class FrameEncoder
{
    /// <summary>Writes a one-segment control frame.</summary>
    public static void WriteControl(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> payload) =>
        WriteFrame(output, tag, payload, default, default, default, null);

    /// <summary>
    /// Writes a frame. Trailing empty segments are trimmed (at least one segment is always sent),
    /// because Pacific rejects a multi-segment frame whose last segment is empty.
    /// </summary>
    public static void Write(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, in ReadOnlySequence<byte> segment3) =>
        WriteFrame(output, tag, segment0, segment1, segment2, segment3, null);

    /// <summary>
    /// Writes a frame whose last segment is <paramref name="segment3"/>'s bytes: with a CRC it already knows,
    /// and large stretches lent to the pipe rather than copied (<see cref="MessageBuffer.WriteTo"/>).
    /// </summary>
    internal static void Write(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, MessageBuffer segment3) =>
        WriteFrame(output, tag, segment0, segment1, segment2, segment3.Sequence, segment3);

    private static void WriteFrame(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, in ReadOnlySequence<byte> segment3, MessageBuffer? buffer3)
    {
        Span<byte> preamble = output.GetSpan(FrameLayout.PreambleLength)[..FrameLayout.PreambleLength];
        int count = WritePreamble(preamble, tag, segment0.Length, segment1.Length, segment2.Length, segment3.Length);
        output.Advance(FrameLayout.PreambleLength);

        if (segment0.Length > 0)
        {
            Copy(output, segment0);
            WriteU32(output, Crc32C.Segment(segment0));
        }

        if (count == 1)
        {
            return;
        }

        uint crc1 = CopyWithCrc(output, segment1);
        uint crc2 = CopyWithCrc(output, segment2);
        uint crc3 = buffer3 is null ? CopyWithCrc(output, segment3) : buffer3.WriteTo(output);

        Span<byte> epilogue = output.GetSpan(FrameLayout.EpilogueLength)[..FrameLayout.EpilogueLength];
        epilogue[0] = FrameLayout.LateStatusComplete;
        BinaryPrimitives.WriteUInt32LittleEndian(epilogue[1..], crc1);
        BinaryPrimitives.WriteUInt32LittleEndian(epilogue[5..], count > 2 ? crc2 : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(epilogue[9..], count > 3 ? crc3 : 0);
        output.Advance(FrameLayout.EpilogueLength);
    }

    /// <summary>Copies a segment into the output and returns its CRC (seed 0xFFFFFFFF), in one pass (<see cref="Crc32C.CopyAndAppend"/>).</summary>
    public static uint CopyWithCrc(IBufferWriter<byte> output, in ReadOnlySequence<byte> source)
    {
        uint crc = Crc32C.SegmentSeed;
        foreach (ReadOnlyMemory<byte> part in source)
        {
            ReadOnlySpan<byte> rest = part.Span;
            while (!rest.IsEmpty)
            {
                Span<byte> target = output.GetSpan();
                int n = Math.Min(target.Length, rest.Length);
                crc = Crc32C.CopyAndAppend(crc, rest[..n], target);
                output.Advance(n);
                rest = rest[n..];
            }
        }

        return crc;
    }

    /// <summary>
    /// Fills a 32-byte preamble for segments of these lengths (trailing empty ones trimmed, at least
    /// one kept) and returns num_segments. Secure mode encrypts the same preamble.
    /// </summary>
    public static int WritePreamble(Span<byte> preamble, Tag tag, long len0, long len1, long len2, long len3)
    {
        int count = len3 > 0 ? 4 : len2 > 0 ? 3 : len1 > 0 ? 2 : 1;
        CheckLength(len0);
        CheckLength(len1);
        CheckLength(len2);
        CheckLength(len3);
        preamble = preamble[..FrameLayout.PreambleLength];
        preamble.Clear();
        preamble[0] = (byte)tag;
        preamble[1] = (byte)count;
        WriteDescriptor(preamble, 0, len0, count);
        WriteDescriptor(preamble, 1, len1, count);
        WriteDescriptor(preamble, 2, len2, count);
        WriteDescriptor(preamble, 3, len3, count);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[FrameLayout.PreambleCrcOffset..],
            Crc32C.Append(Crc32C.PreambleSeed, preamble[..FrameLayout.PreambleCrcOffset]));
        return count;
    }

    private static void WriteDescriptor(Span<byte> preamble, int index, long length, int count)
    {
        if (index >= count)
        {
            return; // descriptors past num_segments stay all-zero, alignment included
        }

        int at = 2 + (index * 6);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[at..], (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(preamble[(at + 4)..], FrameLayout.AlignmentOf(index));
    }

    private static void CheckLength(long length)
    {
        if (length > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "a msgr2 segment is at most 4 GiB");
        }
    }

    private static void WriteU32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void Copy(IBufferWriter<byte> output, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            Span<byte> target = output.GetSpan();
            int n = Math.Min(target.Length, source.Length);
            source[..n].CopyTo(target);
            output.Advance(n);
            source = source[n..];
        }
    }
}
