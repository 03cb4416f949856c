using System.Buffers;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Frames;

/// <summary>
/// One connection's frame protection, in one direction pair: how frames are laid out, checked and
/// (in secure mode) encrypted. Crc mode is stateless; secure mode keeps a nonce per direction, so a
/// connection has exactly one codec, used by the handshake and by the READY loops alike. One reader
/// and one writer may use a codec at the same time (receive and send state are separate); neither
/// side may be used by two callers at once.
/// </summary>
/// <remarks>
/// Reading is two steps so a frame is judged from its preamble before its body is waited for:
/// <see cref="TryReadPreamble"/>, then <see cref="TryDecodeBody"/> with the same buffer start until
/// it returns the frame. A codec that must decrypt to read the preamble does so once per frame and
/// keeps the result until the body is taken.
/// </remarks>
public abstract class FrameCodec
{
    /// <summary>True for msgr2.1 secure mode (AES-128-GCM).</summary>
    public abstract bool IsSecure { get; }

    /// <summary>Bytes that must be buffered before the preamble can be read (32 in crc mode, 96 in secure mode).</summary>
    public abstract int PreambleBlockLength { get; }

    /// <summary>
    /// Reads and checks the preamble at the start of <paramref name="input"/>; false while fewer than
    /// <see cref="PreambleBlockLength"/> bytes are buffered. Throws <see cref="FrameException"/> on a
    /// preamble that breaks the rules (or, in secure mode, fails its authentication tag).
    /// </summary>
    public abstract bool TryReadPreamble(in ReadOnlySequence<byte> input, out FramePreamble preamble);

    /// <summary>The whole frame's bytes on the wire in this mode.</summary>
    public abstract long FrameLength(in FramePreamble preamble);

    /// <summary>
    /// Decodes the frame whose preamble <see cref="TryReadPreamble"/> just returned: false (with the
    /// whole frame's length) until all of it is buffered, then the frame, checked. Its segments are
    /// valid until the next call on this codec's receive side or until <paramref name="input"/> is advanced.
    /// With <paramref name="takeSegments"/> the caller says it takes segments 1..3 out of the frame (a
    /// message's): crc mode then leaves their CRCs for the caller to check as it copies them
    /// (<see cref="Frame.UncheckedCrcs"/>), and secure mode may decrypt a large body into a buffer of its
    /// own (<see cref="Frame.Body"/>) for the caller to share instead of copying.
    /// </summary>
    public abstract bool TryDecodeBody(in ReadOnlySequence<byte> input, in FramePreamble preamble, out Frame frame, out long length,
        bool takeSegments = false);

    /// <summary>
    /// Writes one frame. Trailing empty segments are trimmed (at least one segment is always sent),
    /// because Pacific rejects a multi-segment frame whose last segment is empty.
    /// </summary>
    public abstract void Write(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, in ReadOnlySequence<byte> segment3);

    /// <summary>
    /// Writes a message frame (segment 0 is the header) whose data segment is <paramref name="data"/>'s
    /// bytes: a codec that can may send them without copying, and reuse a CRC they carry.
    /// </summary>
    public virtual void WriteMessage(IBufferWriter<byte> output, ReadOnlySpan<byte> header,
        in ReadOnlySequence<byte> front, in ReadOnlySequence<byte> middle, MessageBuffer data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Write(output, Tag.Message, header, front, middle, data.Sequence);
    }

    /// <summary>Writes a one-segment control frame.</summary>
    public void WriteControl(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> payload) =>
        Write(output, tag, payload, default, default, default);

    /// <summary>
    /// Reads one whole frame if it is buffered: the preamble, its limits, then the body. A convenience
    /// for callers that judge nothing between the two steps.
    /// </summary>
    public bool TryDecode(in ReadOnlySequence<byte> input, FrameLimits limits, out Frame frame, out long length)
    {
        frame = default;
        if (!TryReadPreamble(input, out FramePreamble preamble))
        {
            length = PreambleBlockLength;
            return false;
        }

        limits.Check(preamble);
        return TryDecodeBody(input, preamble, out frame, out length);
    }
}

/// <summary>msgr2.1 crc mode: CRC32C per segment, nothing encrypted. Stateless, so one instance serves every connection.</summary>
public sealed class CrcFrameCodec : FrameCodec
{
    /// <summary>The instance.</summary>
    public static CrcFrameCodec Instance { get; } = new();

    private CrcFrameCodec()
    {
    }

    /// <inheritdoc />
    public override bool IsSecure => false;

    /// <inheritdoc />
    public override int PreambleBlockLength => FrameLayout.PreambleLength;

    /// <inheritdoc />
    public override bool TryReadPreamble(in ReadOnlySequence<byte> input, out FramePreamble preamble) =>
        FrameDecoder.TryReadPreamble(input, out preamble);

    /// <inheritdoc />
    public override long FrameLength(in FramePreamble preamble) => preamble.FrameLength;

    /// <inheritdoc />
    public override bool TryDecodeBody(in ReadOnlySequence<byte> input, in FramePreamble preamble, out Frame frame, out long length,
        bool takeSegments = false) =>
        FrameDecoder.TryDecodeBody(input, preamble, out frame, out length, leaveSegmentCrcs: takeSegments);

    /// <inheritdoc />
    public override void Write(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, in ReadOnlySequence<byte> segment3) =>
        FrameEncoder.Write(output, tag, segment0, segment1, segment2, segment3);

    /// <inheritdoc />
    public override void WriteMessage(IBufferWriter<byte> output, ReadOnlySpan<byte> header,
        in ReadOnlySequence<byte> front, in ReadOnlySequence<byte> middle, MessageBuffer data)
    {
        ArgumentNullException.ThrowIfNull(data);
        FrameEncoder.Write(output, Tag.Message, header, front, middle, data);
    }
}
