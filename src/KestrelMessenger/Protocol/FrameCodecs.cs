using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;

namespace KestrelMessenger.Protocol;

/// <summary>The frame codec a negotiated connection mode calls for.</summary>
internal static class FrameCodecs
{
    public static FrameCodec For(ConnectionMode mode, AuthKeys keys, HandshakeRole role) => mode switch
    {
        ConnectionMode.Crc => CrcFrameCodec.Instance,
        ConnectionMode.Secure => throw new ProtocolException("secure mode: not available in this build yet"),
        _ => throw new ProtocolException($"connection mode {mode} is neither crc nor secure"),
    };
}
