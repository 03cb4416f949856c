using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>AUTH_REQUEST: method, connection modes in preference order, method payload.</summary>
public sealed record AuthRequestFrame(uint Method, IReadOnlyList<uint> PreferredModes, ReadOnlyMemory<byte> Payload) : IControlFrame<AuthRequestFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthRequest;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU32(Method);
        ControlFrame.WriteU32List(writer, PreferredModes);
        writer.WriteBlob(Payload.Span);
    }

    /// <inheritdoc />
    public static AuthRequestFrame Decode(ref DencReader reader) =>
        new(reader.ReadU32(), ControlFrame.ReadU32List(ref reader), reader.ReadBlobMemory());
}

/// <summary>AUTH_BAD_METHOD: the method that was refused, why (negative errno), and what is allowed.</summary>
public sealed record AuthBadMethodFrame(uint Method, int Result, IReadOnlyList<uint> AllowedMethods, IReadOnlyList<uint> AllowedModes) : IControlFrame<AuthBadMethodFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthBadMethod;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU32(Method);
        writer.WriteI32(Result);
        ControlFrame.WriteU32List(writer, AllowedMethods);
        ControlFrame.WriteU32List(writer, AllowedModes);
    }

    /// <inheritdoc />
    public static AuthBadMethodFrame Decode(ref DencReader reader) =>
        new(reader.ReadU32(), reader.ReadI32(), ControlFrame.ReadU32List(ref reader), ControlFrame.ReadU32List(ref reader));
}

/// <summary>AUTH_REPLY_MORE: another round of the auth method (cephx challenge).</summary>
public sealed record AuthReplyMoreFrame(ReadOnlyMemory<byte> Payload) : IControlFrame<AuthReplyMoreFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthReplyMore;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteBlob(Payload.Span);

    /// <inheritdoc />
    public static AuthReplyMoreFrame Decode(ref DencReader reader) => new(reader.ReadBlobMemory());
}

/// <summary>AUTH_REQUEST_MORE: the client's answer to AUTH_REPLY_MORE.</summary>
public sealed record AuthRequestMoreFrame(ReadOnlyMemory<byte> Payload) : IControlFrame<AuthRequestMoreFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthRequestMore;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteBlob(Payload.Span);

    /// <inheritdoc />
    public static AuthRequestMoreFrame Decode(ref DencReader reader) => new(reader.ReadBlobMemory());
}

/// <summary>AUTH_DONE: the client's global id, the chosen connection mode and the method's final payload.</summary>
public sealed record AuthDoneFrame(ulong GlobalId, ConnectionMode Mode, ReadOnlyMemory<byte> Payload) : IControlFrame<AuthDoneFrame>
{
    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthDone;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU64(GlobalId);
        writer.WriteU32((uint)Mode);
        writer.WriteBlob(Payload.Span);
    }

    /// <inheritdoc />
    public static AuthDoneFrame Decode(ref DencReader reader) =>
        new(reader.ReadU64(), (ConnectionMode)reader.ReadU32(), reader.ReadBlobMemory());
}

/// <summary>AUTH_SIGNATURE: HMAC-SHA256 of the peer's pre-auth bytes; 32 zero bytes for auth none. No length prefix.</summary>
public sealed record AuthSignatureFrame(ReadOnlyMemory<byte> Signature) : IControlFrame<AuthSignatureFrame>
{
    /// <summary>A SHA-256 digest.</summary>
    public const int Length = 32;

    /// <inheritdoc />
    public static Tag FrameTag => Tag.AuthSignature;

    /// <inheritdoc />
    public Tag Tag => FrameTag;

    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteBytes(Signature.Span);

    /// <inheritdoc />
    public static AuthSignatureFrame Decode(ref DencReader reader) => new(reader.ReadBytes(Length).ToArray());
}
