using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Harness;

/// <summary>An auth server that knows auth none and refuses every request with -EACCES.</summary>
public sealed class RefuseEveryone : IAuthServer
{
    public IReadOnlyList<uint> Methods { get; } = [AuthMethod.None];

    public AuthServerResult HandleAuthRequest(AuthConnectionContext context, ReadOnlyMemory<byte> payload, bool more) =>
        new AuthServerResult.Failed(Errno.EACCES, "nobody is welcome");
}
