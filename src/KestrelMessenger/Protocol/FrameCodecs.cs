using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;

namespace KestrelMessenger.Protocol;

/// <summary>The frame codec a negotiated connection mode calls for.</summary>
internal static class FrameCodecs
{
    public static FrameCodec For(ConnectionMode mode, AuthKeys keys, HandshakeRole role) => mode switch
    {
        ConnectionMode.Crc => CrcFrameCodec.Instance,
        ConnectionMode.Secure when keys.ConnectionSecret.Length >= SecureFrameCodec.MinimumSecretLength =>
            SecureFrameCodec.FromConnectionSecret(keys.ConnectionSecret.Span, isServer: role == HandshakeRole.Server),
        ConnectionMode.Secure => throw new ProtocolException(
            $"secure mode needs a connection secret of at least {SecureFrameCodec.MinimumSecretLength} bytes, but the auth method gave {keys.ConnectionSecret.Length}",
            FailureKind.AuthRefused),
        _ => throw new ProtocolException($"connection mode {mode} is neither crc nor secure"),
    };
}
