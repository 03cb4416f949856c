namespace KestrelMessenger.Frames;

/// <summary>Fixed sizes and values of the msgr2.1 crc-mode frame layout.</summary>
public static class FrameLayout
{
    /// <summary>The preamble: tag, count, 4 × (le32 length, le16 alignment), 2 reserved, le32 crc.</summary>
    public const int PreambleLength = 32;

    /// <summary>Bytes covered by the preamble CRC.</summary>
    public const int PreambleCrcOffset = 28;

    /// <summary>The rev1 crc-mode epilogue: late_status and three le32 CRCs (segments 1..3).</summary>
    public const int EpilogueLength = 13;

    /// <summary>The le32 CRC that follows a non-empty segment 0.</summary>
    public const int Segment0CrcLength = 4;

    /// <summary>At most four segments per frame.</summary>
    public const int MaxSegments = 4;

    /// <summary>late_status low nibble: the frame is complete.</summary>
    public const byte LateStatusComplete = 0x0E;

    /// <summary>late_status low nibble: the sender aborted the frame.</summary>
    public const byte LateStatusAborted = 0x01;

    /// <summary>Alignment advertised for control payloads, header, front and middle (<c>sizeof(void*)</c>).</summary>
    public const ushort DefaultAlignment = 8;

    /// <summary>Alignment advertised for message data (<c>PAGE_SIZE</c>).</summary>
    public const ushort DataAlignment = 4096;

    /// <summary>Total on-wire length of a frame with these segment lengths.</summary>
    public static long FrameLength(int segmentCount, long len0, long len1, long len2, long len3) =>
        PreambleLength + (len0 > 0 ? len0 + Segment0CrcLength : 0) + (segmentCount > 1 ? len1 + len2 + len3 + EpilogueLength : 0);

    /// <summary>The alignment Ceph advertises for segment <paramref name="index"/>.</summary>
    public static ushort AlignmentOf(int index) => index == 3 ? DataAlignment : DefaultAlignment;
}
