using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>SESSION_RECONNECT: resume a lossless session (decoded so it can be answered; replay is later work).</summary>
public sealed record SessionReconnectFrame(
    EntityAddrVec Addrs, ulong ClientCookie, ulong ServerCookie, ulong GlobalSeq, ulong ConnectSeq, ulong MsgSeq) : IControlFrame<SessionReconnectFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.SessionReconnect;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        Addrs.Encode(writer);
        writer.WriteU64(ClientCookie);
        writer.WriteU64(ServerCookie);
        writer.WriteU64(GlobalSeq);
        writer.WriteU64(ConnectSeq);
        writer.WriteU64(MsgSeq);
    }

    /// <inheritdoc />
    public static SessionReconnectFrame Decode(ref DencReader reader) => new(
        EntityAddrVec.Decode(ref reader), reader.ReadU64(), reader.ReadU64(), reader.ReadU64(), reader.ReadU64(), reader.ReadU64());
}

/// <summary>SESSION_RESET: the server has no such session; <c>full</c> drops everything.</summary>
public sealed record SessionResetFrame(bool Full) : IControlFrame<SessionResetFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.SessionReset;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteBool(Full);

    /// <inheritdoc />
    public static SessionResetFrame Decode(ref DencReader reader) => new(reader.ReadBool());
}

/// <summary>WAIT: lost a connection race; back off and retry. Empty payload.</summary>
public sealed record WaitFrame : IControlFrame<WaitFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.Wait;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
    }

    /// <inheritdoc />
    public static WaitFrame Decode(ref DencReader reader) => new();
}
