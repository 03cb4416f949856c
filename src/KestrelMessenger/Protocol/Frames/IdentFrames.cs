using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary><c>CEPH_MSG_CONNECT_*</c> flags of the IDENT frames.</summary>
public static class IdentFlags
{
    /// <summary>The connection is lossy.</summary>
    public const ulong Lossy = 1;
}

/// <summary>CLIENT_IDENT: who the client is and exactly which server address it dialled.</summary>
public sealed record ClientIdentFrame(
    EntityAddrVec Addrs, EntityAddr TargetAddr, long Gid, ulong GlobalSeq,
    ulong SupportedFeatures, ulong RequiredFeatures, ulong Flags, ulong ClientCookie) : IControlFrame<ClientIdentFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.ClientIdent;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        Addrs.Encode(writer);
        TargetAddr.Encode(writer);
        writer.WriteI64(Gid);
        writer.WriteU64(GlobalSeq);
        writer.WriteU64(SupportedFeatures);
        writer.WriteU64(RequiredFeatures);
        writer.WriteU64(Flags);
        writer.WriteU64(ClientCookie);
    }

    /// <inheritdoc />
    public static ClientIdentFrame Decode(ref DencReader reader) => new(
        EntityAddrVec.Decode(ref reader), EntityAddr.Decode(ref reader), reader.ReadI64(), reader.ReadU64(),
        reader.ReadU64(), reader.ReadU64(), reader.ReadU64(), reader.ReadU64());
}

/// <summary>SERVER_IDENT: who the server is.</summary>
public sealed record ServerIdentFrame(
    EntityAddrVec Addrs, long Gid, ulong GlobalSeq,
    ulong SupportedFeatures, ulong RequiredFeatures, ulong Flags, ulong ServerCookie) : IControlFrame<ServerIdentFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.ServerIdent;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        Addrs.Encode(writer);
        writer.WriteI64(Gid);
        writer.WriteU64(GlobalSeq);
        writer.WriteU64(SupportedFeatures);
        writer.WriteU64(RequiredFeatures);
        writer.WriteU64(Flags);
        writer.WriteU64(ServerCookie);
    }

    /// <inheritdoc />
    public static ServerIdentFrame Decode(ref DencReader reader) => new(
        EntityAddrVec.Decode(ref reader), reader.ReadI64(), reader.ReadU64(),
        reader.ReadU64(), reader.ReadU64(), reader.ReadU64(), reader.ReadU64());
}

/// <summary>IDENT_MISSING_FEATURES: the features the client lacks.</summary>
public sealed record IdentMissingFeaturesFrame(ulong MissingFeatures) : IControlFrame<IdentMissingFeaturesFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.IdentMissingFeatures;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU64(MissingFeatures);

    /// <inheritdoc />
    public static IdentMissingFeaturesFrame Decode(ref DencReader reader) => new(reader.ReadU64());
}
