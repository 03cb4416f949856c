using System.Buffers;

namespace KestrelMessenger.Frames;

/// <summary>
/// One decoded msgr2.1 frame. In crc mode the segments are slices of the input buffer (no copy),
/// valid only until the reader that produced them advances; in secure mode they are slices of the
/// codec's plaintext buffer, valid until the codec's next receive call.
/// </summary>
public readonly struct Frame
{
    internal Frame(Tag tag, int segmentCount, ReadOnlySequence<byte> s0, ReadOnlySequence<byte> s1,
        ReadOnlySequence<byte> s2, ReadOnlySequence<byte> s3, bool aborted, SegmentCrcs? uncheckedCrcs = null, Messages.MessageBuffer? body = null)
    {
        Body = body;
        UncheckedCrcs = uncheckedCrcs;
        Tag = tag;
        SegmentCount = segmentCount;
        Segment0 = s0;
        Segment1 = s1;
        Segment2 = s2;
        Segment3 = s3;
        Aborted = aborted;
    }

    /// <summary>The frame's tag (not validated here: unknown tags are the protocol layer's call).</summary>
    public Tag Tag { get; }

    /// <summary>num_segments from the preamble (1..4).</summary>
    public int SegmentCount { get; }

    /// <summary>Control payload, or the message header.</summary>
    public ReadOnlySequence<byte> Segment0 { get; }

    /// <summary>Message front.</summary>
    public ReadOnlySequence<byte> Segment1 { get; }

    /// <summary>Message middle.</summary>
    public ReadOnlySequence<byte> Segment2 { get; }

    /// <summary>Message data.</summary>
    public ReadOnlySequence<byte> Segment3 { get; }

    /// <summary>The sender gave up mid-frame (late_status aborted): drop it silently.</summary>
    public bool Aborted { get; }

    /// <summary>
    /// The CRCs of segments 1..3 the sender wrote, when the decoder was asked to leave them to the caller
    /// (crc mode only): the caller must check each segment before it trusts a byte of it, which lets it
    /// checksum a segment in the same pass as it copies it out. Null when every segment is checked already.
    /// </summary>
    public SegmentCrcs? UncheckedCrcs { get; }

    /// <summary>
    /// The buffer segments 1..3 lie in, when the codec decrypted them into one of their own for the
    /// caller (secure mode, large frames, <c>takeSegments</c>): the caller may share slices of it
    /// (<see cref="Messages.MessageBuffer.TryShare(ReadOnlyMemory{byte}, out Messages.MessageBuffer?)"/>) instead of copying, and must dispose it.
    /// </summary>
    public Messages.MessageBuffer? Body { get; }

    /// <summary>Segment <paramref name="index"/> (0..3).</summary>
    public ReadOnlySequence<byte> Segment(int index) => index switch
    {
        0 => Segment0,
        1 => Segment1,
        2 => Segment2,
        3 => Segment3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}

/// <summary>The epilogue's CRCs of segments 1..3, as the sender wrote them.</summary>
public readonly record struct SegmentCrcs(uint Segment1, uint Segment2, uint Segment3)
{
    /// <summary>The CRC written for segment <paramref name="index"/> (1..3).</summary>
    public uint For(int index) => index switch
    {
        1 => Segment1,
        2 => Segment2,
        3 => Segment3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Throws <see cref="FrameException"/> unless <paramref name="actual"/> is what the sender wrote for segment <paramref name="index"/>.</summary>
    public void Check(int index, uint actual) => Verify(index, For(index), actual);

    /// <summary>Throws <see cref="FrameException"/> naming segment <paramref name="index"/> unless the CRCs agree.</summary>
    internal static void Verify(int index, uint expected, uint actual)
    {
        if (actual != expected)
        {
            throw new FrameException(FrameError.BadSegmentCrc, $"segment {index} crc 0x{expected:x8} does not match 0x{actual:x8}");
        }
    }
}
