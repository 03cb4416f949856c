using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>KEEPALIVE2: a liveness probe stamped with the sender's wall clock.</summary>
public sealed record Keepalive2Frame(UTime Timestamp) : IControlFrame<Keepalive2Frame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.Keepalive2;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => Timestamp.Encode(writer);

    /// <inheritdoc />
    public static Keepalive2Frame Decode(ref DencReader reader) => new(UTime.Decode(ref reader));
}

/// <summary>KEEPALIVE2_ACK: echoes the KEEPALIVE2 timestamp.</summary>
public sealed record Keepalive2AckFrame(UTime Timestamp) : IControlFrame<Keepalive2AckFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.Keepalive2Ack;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => Timestamp.Encode(writer);

    /// <inheritdoc />
    public static Keepalive2AckFrame Decode(ref DencReader reader) => new(UTime.Decode(ref reader));
}

/// <summary>ACK: the last message seq received (lossless sessions only).</summary>
public sealed record AckFrame(ulong Seq) : IControlFrame<AckFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.Ack;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU64(Seq);

    /// <inheritdoc />
    public static AckFrame Decode(ref DencReader reader) => new(reader.ReadU64());
}
