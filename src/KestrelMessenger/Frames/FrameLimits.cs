namespace KestrelMessenger.Frames;

/// <summary>
/// Per-segment length caps, checked against the preamble before a single byte of the frame body is
/// buffered. Defaults are the Linux client's <c>CEPH_MSG_MAX_*_LEN</c>.
/// </summary>
public sealed record FrameLimits
{
    /// <summary>The Linux client's caps: 16 MiB control/front/middle, 64 MiB data.</summary>
    public static FrameLimits Default { get; } = new();

    /// <summary>Segment 0: a control payload or the message header.</summary>
    public int MaxControlLength { get; init; } = 16 << 20;

    /// <summary>Segment 1: message front.</summary>
    public int MaxFrontLength { get; init; } = 16 << 20;

    /// <summary>Segment 2: message middle.</summary>
    public int MaxMiddleLength { get; init; } = 16 << 20;

    /// <summary>Segment 3: message data.</summary>
    public int MaxDataLength { get; init; } = 64 << 20;

    /// <summary>Throws <see cref="FrameException"/> (<see cref="FrameError.SegmentTooLong"/>) when a segment of <paramref name="preamble"/> is over its cap.</summary>
    public void Check(in FramePreamble preamble)
    {
        for (int i = 0; i < preamble.SegmentCount; i++)
        {
            if (preamble.Length(i) > MaxFor(i))
            {
                throw new FrameException(FrameError.SegmentTooLong, $"segment {i} length {preamble.Length(i)} exceeds the limit of {MaxFor(i)}");
            }
        }
    }

    /// <summary>True when segments of these lengths fit within the caps (what we may send to a peer with our own limits).</summary>
    public bool Fits(long len0, long len1, long len2, long len3) =>
        len0 <= MaxControlLength && len1 <= MaxFrontLength && len2 <= MaxMiddleLength && len3 <= MaxDataLength;

    internal int MaxFor(int segment) => segment switch
    {
        0 => MaxControlLength,
        1 => MaxFrontLength,
        2 => MaxMiddleLength,
        _ => MaxDataLength,
    };
}
