namespace KestrelMessenger.Frames;

/// <summary>
/// Fixed sizes of the msgr2.1 (rev1) secure-mode frame layout. Each bracket below is one AES-128-GCM
/// operation (one nonce) followed by its 16-byte tag:
/// <code>
/// [ preamble(32) | first min(len0,48) bytes of segment 0 | zero pad to 48 ]      always, 96 bytes on the wire
/// [ rest of segment 0, zero-padded to 16 ]                                     only if len0 &gt; 48
/// [ seg1 | pad, seg2 | pad, seg3 | pad to 16 each, epilogue(16) ]               only if num_segments &gt; 1
/// </code>
/// </summary>
public static class SecureFrameLayout
{
    /// <summary>The AES-GCM tag after every encrypted block.</summary>
    public const int TagLength = 16;

    /// <summary>Bytes of segment 0 carried inside the first block (<c>FRAME_PREAMBLE_INLINE_SIZE</c>).</summary>
    public const int InlineLength = 48;

    /// <summary>Plaintext of the first block: the preamble and the inline buffer.</summary>
    public const int FirstBlockPlaintextLength = FrameLayout.PreambleLength + InlineLength;

    /// <summary>The first block on the wire, tag included: the bytes needed before the preamble can be read.</summary>
    public const int PreambleBlockLength = FirstBlockPlaintextLength + TagLength;

    /// <summary>The rev1 secure epilogue: late_status and 15 reserved bytes (sent as zero, ignored on receive, as Ceph does).</summary>
    public const int EpilogueLength = 16;

    /// <summary>Segments are padded to the cipher's block size (Ceph keeps the layout usable by block ciphers).</summary>
    public const int Alignment = 16;

    /// <summary><paramref name="length"/> rounded up to a multiple of 16 (0 stays 0).</summary>
    public static long Padded(long length) => (length + (Alignment - 1)) & ~(long)(Alignment - 1);

    /// <summary>AES-GCM operations (nonces) a frame with these lengths costs: 1, 2 or 3.</summary>
    public static int OperationCount(int segmentCount, long len0) =>
        1 + (len0 > InlineLength ? 1 : 0) + (segmentCount > 1 ? 1 : 0);

    /// <summary>Ciphertext length of the block that carries the rest of segment 0 (0 when it all fits inline).</summary>
    public static long Segment0RestLength(long len0) => len0 > InlineLength ? Padded(len0 - InlineLength) : 0;

    /// <summary>Ciphertext length of the block that carries segments 1..3 and the epilogue (0 for one segment).</summary>
    public static long TailLength(int segmentCount, long len1, long len2, long len3) =>
        segmentCount > 1 ? Padded(len1) + Padded(len2) + Padded(len3) + EpilogueLength : 0;

    /// <summary>The whole frame's bytes on the wire in secure mode, every tag included.</summary>
    public static long FrameLength(in FramePreamble preamble)
    {
        long rest = Segment0RestLength(preamble.Len0);
        long tail = TailLength(preamble.SegmentCount, preamble.Len1, preamble.Len2, preamble.Len3);
        return PreambleBlockLength + (rest > 0 ? rest + TagLength : 0) + (tail > 0 ? tail + TagLength : 0);
    }
}
