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
        ReadOnlySequence<byte> s2, ReadOnlySequence<byte> s3, bool aborted)
    {
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
