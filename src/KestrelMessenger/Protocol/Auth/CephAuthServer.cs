using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// The server half of a daemon's auth (Ceph's MonClient as a daemon's <c>AuthServer</c>): cephx
/// authorizers verified with the rotating service secrets the monitors hand out, and auth none. It
/// speaks cephx once it has a verifier; which methods a peer may use is <see cref="AuthRegistry"/>'s call.
/// </summary>
public sealed class CephAuthServer(CephxAuthorizerVerifier? cephx, AuthNoneServer? none = null) : IAuthServer
{
    private readonly AuthNoneServer _none = none ?? new AuthNoneServer();

    /// <summary>Our entity type's service name in caps (<c>osd</c>): the caps a ticket carries are for it.</summary>
    public string Service { get; init; } = "osd";

    /// <inheritdoc />
    public IReadOnlyList<uint> Methods { get; } = cephx is null ? [AuthMethod.None] : [AuthMethod.Cephx, AuthMethod.None];

    /// <inheritdoc />
    public AuthServerResult HandleAuthRequest(AuthConnectionContext context, ReadOnlyMemory<byte> payload, bool more)
    {
        if (context.Method != AuthMethod.Cephx || cephx is null)
        {
            return _none.HandleAuthRequest(context, payload, more);
        }

        var state = context.MethodState as CephxVerifierState ?? new CephxVerifierState();
        context.MethodState = state;
        return cephx.Verify(state, payload.Span, more, context.Mode) switch
        {
            CephxVerifyResult.Accepted ok => new AuthServerResult.Done(
                ok.GlobalId,
                new AuthPeer(ok.Name, ok.CapsText is string caps ? new Dictionary<string, string> { [Service] = caps } : new Dictionary<string, string>()),
                ok.Reply,
                new AuthKeys(ok.SessionKey.Secret.ToArray(), ok.ConnectionSecret)),
            CephxVerifyResult.Challenge challenge => new AuthServerResult.More(challenge.Reply),
            CephxVerifyResult.Refused refused => new AuthServerResult.Failed(refused.Errno, refused.Reason),
            var other => throw new InvalidOperationException($"unknown cephx verdict {other.GetType().Name}"),
        };
    }
}
