using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Harness;

/// <summary>An auth server that knows auth none and refuses every request with -EACCES.</summary>
public sealed class RefuseEveryone : IAuthServer
{
    public IReadOnlyList<uint> AllowedMethods { get; } = [AuthMethod.None];

    public IReadOnlyList<ConnectionMode> AllowedModes(uint method) => [ConnectionMode.Crc];

    public AuthServerResult HandleAuthRequest(AuthServerRequest request) => new AuthServerResult.Failed(Errno.EACCES, "nobody is welcome");
}
