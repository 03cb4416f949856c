namespace KestrelMessenger.Frames;

/// <summary>A frame's checked preamble: its tag and segment lengths, known before the body arrives.</summary>
/// <param name="Tag">The frame's tag (not judged here).</param>
/// <param name="SegmentCount">num_segments (1..4).</param>
/// <param name="Len0">Segment 0: control payload or message header.</param>
/// <param name="Len1">Segment 1: message front.</param>
/// <param name="Len2">Segment 2: message middle.</param>
/// <param name="Len3">Segment 3: message data.</param>
public readonly record struct FramePreamble(Tag Tag, int SegmentCount, long Len0, long Len1, long Len2, long Len3)
{
    /// <summary>Segment <paramref name="index"/>'s length.</summary>
    public long Length(int index) => index switch
    {
        0 => Len0,
        1 => Len1,
        2 => Len2,
        3 => Len3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>The whole frame's bytes on the wire, preamble included.</summary>
    public long FrameLength => FrameLayout.FrameLength(SegmentCount, Len0, Len1, Len2, Len3);
}
