namespace KestrelMessenger.Frames;

/// <summary>Why a frame was rejected.</summary>
public enum FrameError
{
    /// <summary>The preamble CRC does not match.</summary>
    BadPreambleCrc,
    /// <summary>A segment CRC does not match.</summary>
    BadSegmentCrc,
    /// <summary>num_segments is outside 1..4.</summary>
    BadSegmentCount,
    /// <summary>A multi-segment frame whose last segment is empty.</summary>
    EmptyLastSegment,
    /// <summary>A segment is longer than the configured limit.</summary>
    SegmentTooLong,
    /// <summary>The epilogue's late_status is neither complete nor aborted.</summary>
    BadLateStatus,
    /// <summary>Secure mode: a block's AES-GCM tag does not verify (tampered, or out of step).</summary>
    BadAuthTag,
}

/// <summary>A frame that breaks msgr2.1's framing rules; the connection must be closed.</summary>
public sealed class FrameException(FrameError error, string message) : Exception(message)
{
    /// <summary>The rule that was broken.</summary>
    public FrameError Error { get; } = error;
}
