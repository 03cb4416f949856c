using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// The client half of a process's auth (what Ceph's MonClient is to a daemon's messengers): cephx when
/// the process has a key, and auth none. Towards a monitor cephx logs in (challenge, proof, tickets);
/// towards any other daemon it presents an authorizer built from that daemon type's service ticket and
/// answers its challenge. One instance serves every connection of every messenger.
/// </summary>
public sealed class CephAuthClient : IAuthClient
{
    private readonly AuthNoneClient _none;

    /// <summary>Speaks cephx with <paramref name="cephx"/> (null: none only) as <paramref name="name"/>.</summary>
    public CephAuthClient(AuthEntityName name, CephxClient? cephx)
    {
        if (cephx is not null && !cephx.Name.Equals(name))
        {
            throw new ArgumentException($"the cephx client is {cephx.Name}, not {name}", nameof(cephx));
        }

        Name = name;
        Cephx = cephx;
        _none = new AuthNoneClient(name);
        Methods = cephx is null ? [AuthMethod.None] : [AuthMethod.Cephx, AuthMethod.None];
    }

    /// <summary>Who we authenticate as.</summary>
    public AuthEntityName Name { get; }

    /// <summary>The cephx engine (keys and tickets), when the process has a key.</summary>
    public CephxClient? Cephx { get; }

    /// <summary>The global id the monitors assigned (0 before the first login).</summary>
    public ulong GlobalId => Cephx?.GlobalId is ulong id and not 0 ? id : _none.GlobalId;

    /// <inheritdoc />
    public IReadOnlyList<uint> Methods { get; }

    /// <inheritdoc />
    public AuthClientResult GetAuthRequest(AuthConnectionContext context)
    {
        if (context.Method != AuthMethod.Cephx || Cephx is not CephxClient cephx)
        {
            _none.GlobalId = GlobalId;
            return _none.GetAuthRequest(context);
        }

        if (context.PeerType == EntityType.Mon)
        {
            context.MethodState = new CephxMonState();
            using var writer = new DencWriter(64);
            cephx.WriteMonAuthRequest(writer);
            return new AuthClientResult.Send(writer.ToArray());
        }

        var state = new CephxAuthorizerState();
        context.MethodState = state;
        return From(cephx.BuildAuthorizer(state, context.PeerType));
    }

    /// <inheritdoc />
    public AuthClientResult HandleAuthReplyMore(AuthConnectionContext context, ReadOnlyMemory<byte> payload) => context.MethodState switch
    {
        CephxMonState mon => From(Cephx!.HandleMonReplyMore(mon, payload.Span)),
        CephxAuthorizerState authorizer => From(CephxClient.HandleAuthorizerReplyMore(authorizer, payload.Span)),
        _ => _none.HandleAuthReplyMore(context, payload),
    };

    /// <inheritdoc />
    public AuthClientResult HandleAuthDone(AuthConnectionContext context, ulong globalId, ReadOnlyMemory<byte> payload) => context.MethodState switch
    {
        CephxMonState mon => From(Cephx!.HandleMonAuthDone(mon, globalId, context.Mode, payload.Span)),
        CephxAuthorizerState authorizer => From(CephxClient.HandleAuthorizerDone(authorizer, context.Mode, payload.Span)),
        _ => _none.HandleAuthDone(context, globalId, payload),
    };

    private static AuthClientResult From(CephxClientStep step) => step switch
    {
        CephxClientStep.Send send => new AuthClientResult.Send(send.Payload),
        CephxClientStep.Done done => new AuthClientResult.Done(new AuthKeys(done.SessionKey.Secret.ToArray(), done.ConnectionSecret)),
        CephxClientStep.Failed failed => new AuthClientResult.Failed(failed.Errno, failed.Reason),
        _ => throw new InvalidOperationException($"unknown cephx step {step.GetType().Name}"),
    };
}
