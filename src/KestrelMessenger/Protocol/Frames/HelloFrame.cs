using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>HELLO: my entity type and the peer's address as I see it.</summary>
public sealed record HelloFrame(EntityType EntityType, EntityAddr PeerAddr) : IControlFrame<HelloFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.Hello;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8((byte)EntityType);
        PeerAddr.Encode(writer);
    }

    /// <inheritdoc />
    public static HelloFrame Decode(ref DencReader reader) => new((EntityType)reader.ReadU8(), EntityAddr.Decode(ref reader));
}
