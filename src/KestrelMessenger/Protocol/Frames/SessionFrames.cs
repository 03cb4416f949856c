using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>SESSION_RECONNECT: resume a lossless session; <c>msg_seq</c> is the client's in_seq (what it already has of ours).</summary>
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

/// <summary>SESSION_RETRY: the server's session has a newer connect_seq; reconnect above it.</summary>
public sealed record SessionRetryFrame(ulong ConnectSeq) : IControlFrame<SessionRetryFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.SessionRetry;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU64(ConnectSeq);

    /// <inheritdoc />
    public static SessionRetryFrame Decode(ref DencReader reader) => new(reader.ReadU64());
}

/// <summary>SESSION_RETRY_GLOBAL: the server saw a newer global_seq from us; reconnect above it.</summary>
public sealed record SessionRetryGlobalFrame(ulong GlobalSeq) : IControlFrame<SessionRetryGlobalFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.SessionRetryGlobal;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU64(GlobalSeq);

    /// <inheritdoc />
    public static SessionRetryGlobalFrame Decode(ref DencReader reader) => new(reader.ReadU64());
}

/// <summary>SESSION_RECONNECT_OK: the session resumes; <c>msg_seq</c> is the server's in_seq (what it already has of ours).</summary>
public sealed record SessionReconnectOkFrame(ulong MsgSeq) : IControlFrame<SessionReconnectOkFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.SessionReconnectOk;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU64(MsgSeq);

    /// <inheritdoc />
    public static SessionReconnectOkFrame Decode(ref DencReader reader) => new(reader.ReadU64());
}
