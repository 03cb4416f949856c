using System.Buffers;
using System.Buffers.Binary;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Frames;

/// <summary>
/// Decodes msgr2.1 crc-mode frames. A pure function of its input: it never reads more than one
/// frame, copes with input split at any byte, and checks every length against
/// <see cref="FrameLimits"/> from the preamble alone, before the body is waited for.
/// </summary>
public static class FrameDecoder
{
    /// <summary>
    /// Tries to decode the frame at the start of <paramref name="input"/>. Returns false when more
    /// bytes are needed (<paramref name="length"/> then says how many the whole frame needs, or the
    /// preamble length when even that is incomplete). Throws <see cref="FrameException"/> on a frame
    /// that breaks the rules.
    /// </summary>
    /// <param name="input">Buffered bytes.</param>
    /// <param name="limits">Per-segment caps.</param>
    /// <param name="frame">The frame, sliced from <paramref name="input"/>.</param>
    /// <param name="length">Bytes the frame occupies (consume this many on success).</param>
    public static bool TryDecode(in ReadOnlySequence<byte> input, FrameLimits limits, out Frame frame, out long length)
    {
        frame = default;
        if (!TryReadPreamble(input, out FramePreamble p))
        {
            length = FrameLayout.PreambleLength;
            return false;
        }

        limits.Check(p);
        return TryDecodeBody(input, p, out frame, out length);
    }

    /// <summary>
    /// Reads and checks the preamble at the start of <paramref name="input"/> (its CRC and the segment
    /// layout, not the limits: see <see cref="FrameLimits.Check"/>). False while fewer than 32 bytes are buffered.
    /// </summary>
    public static bool TryReadPreamble(in ReadOnlySequence<byte> input, out FramePreamble preamble)
    {
        preamble = default;
        if (input.Length < FrameLayout.PreambleLength)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[FrameLayout.PreambleLength];
        input.Slice(0, FrameLayout.PreambleLength).CopyTo(b);
        preamble = ReadPreamble(b);
        return true;
    }

    /// <summary>
    /// Checks a 32-byte preamble (its CRC and the segment layout, not the limits) and returns it.
    /// Secure mode calls this on the decrypted preamble.
    /// </summary>
    public static FramePreamble ReadPreamble(ReadOnlySpan<byte> b)
    {
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(b[FrameLayout.PreambleCrcOffset..]);
        uint actual = Crc32C.Append(Crc32C.PreambleSeed, b[..FrameLayout.PreambleCrcOffset]);
        if (crc != actual)
        {
            throw new FrameException(FrameError.BadPreambleCrc, $"preamble crc 0x{crc:x8} does not match 0x{actual:x8}");
        }

        int count = b[1];
        if (count is < 1 or > FrameLayout.MaxSegments)
        {
            throw new FrameException(FrameError.BadSegmentCount, $"num_segments {count} is outside 1..{FrameLayout.MaxSegments}");
        }

        Span<long> lengths = stackalloc long[FrameLayout.MaxSegments];
        for (int i = 0; i < FrameLayout.MaxSegments; i++)
        {
            lengths[i] = BinaryPrimitives.ReadUInt32LittleEndian(b[(2 + (i * 6))..]);
            if (i >= count && lengths[i] != 0)
            {
                throw new FrameException(FrameError.BadSegmentCount, $"segment {i} has length {lengths[i]} but num_segments is {count}");
            }
        }

        if (count > 1 && lengths[count - 1] == 0)
        {
            throw new FrameException(FrameError.EmptyLastSegment, $"last of {count} segments is empty");
        }

        return new FramePreamble((Tag)b[0], count, lengths[0], lengths[1], lengths[2], lengths[3]);
    }

    /// <summary>
    /// Decodes the frame whose checked preamble is <paramref name="p"/>: false (with the whole frame's
    /// length) until all of it is buffered, then the segments, CRCs verified. With
    /// <paramref name="leaveSegmentCrcs"/>, the CRCs of segments 1..3 are handed back unchecked in
    /// <see cref="Frame.UncheckedCrcs"/> for a caller that checks them as it copies the segments out.
    /// </summary>
    public static bool TryDecodeBody(in ReadOnlySequence<byte> input, in FramePreamble p, out Frame frame, out long length,
        bool leaveSegmentCrcs = false)
    {
        frame = default;
        length = p.FrameLength;
        if (input.Length < length)
        {
            return false;
        }

        long offset = FrameLayout.PreambleLength;
        ReadOnlySequence<byte> s0 = input.Slice(offset, p.Len0);
        offset += p.Len0;
        if (p.Len0 > 0)
        {
            uint expected = ReadU32(input.Slice(offset, 4));
            offset += 4;
            SegmentCrcs.Verify(0, expected, Crc32C.Segment(s0));
        }

        ReadOnlySequence<byte> s1 = input.Slice(offset, p.Len1);
        ReadOnlySequence<byte> s2 = input.Slice(offset += p.Len1, p.Len2);
        ReadOnlySequence<byte> s3 = input.Slice(offset += p.Len2, p.Len3);
        offset += p.Len3;

        bool aborted = false;
        SegmentCrcs? left = null;
        if (p.SegmentCount > 1)
        {
            Span<byte> epilogue = stackalloc byte[FrameLayout.EpilogueLength];
            input.Slice(offset, FrameLayout.EpilogueLength).CopyTo(epilogue);
            byte late = (byte)(epilogue[0] & 0x0F);
            if (late == FrameLayout.LateStatusAborted)
            {
                aborted = true;
            }
            else if (late != FrameLayout.LateStatusComplete)
            {
                throw new FrameException(FrameError.BadLateStatus, $"epilogue late_status 0x{epilogue[0]:x2} is neither complete nor aborted");
            }
            else
            {
                // A segment inside num_segments carries crc32c(-1, bytes), 0xFFFFFFFF when empty; one outside
                // carries 0 and is empty, so what is computed for it is the seed, 0xFFFFFFFF.
                var crcs = new SegmentCrcs(
                    BinaryPrimitives.ReadUInt32LittleEndian(epilogue[1..]),
                    p.SegmentCount > 2 ? BinaryPrimitives.ReadUInt32LittleEndian(epilogue[5..]) : Crc32C.SegmentSeed,
                    p.SegmentCount > 3 ? BinaryPrimitives.ReadUInt32LittleEndian(epilogue[9..]) : Crc32C.SegmentSeed);
                if (leaveSegmentCrcs)
                {
                    left = crcs;
                }
                else
                {
                    crcs.Check(1, Crc32C.Segment(s1));
                    crcs.Check(2, Crc32C.Segment(s2));
                    crcs.Check(3, Crc32C.Segment(s3));
                }
            }
        }

        frame = new Frame(p.Tag, p.SegmentCount, s0, s1, s2, s3, aborted, left);
        return true;
    }

    private static uint ReadU32(in ReadOnlySequence<byte> four)
    {
        Span<byte> b = stackalloc byte[4];
        four.CopyTo(b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

}
