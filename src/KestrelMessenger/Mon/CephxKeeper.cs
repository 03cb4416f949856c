using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Mon;

/// <summary>
/// Keeps a process's cephx credentials current over its monitor session, as Ceph's MonClient does in
/// <c>tick</c> (<c>_check_auth_tickets</c>, <c>_check_auth_rotating</c>): renews service tickets before
/// they expire (GET_PRINCIPAL_SESSION_KEY, or GET_AUTH_SESSION_KEY when the AUTH ticket itself is due),
/// and for a daemon fetches the rotating service secrets it verifies its clients' tickets with
/// (GET_ROTATING_KEY). Requests go out as MAuth on the session; MAuthReply comes back through
/// <see cref="DispatchAsync"/>. The monitor client calls <see cref="OnSession"/> and <see cref="Tick"/>.
/// </summary>
public sealed partial class CephxKeeper(CephxClient cephx, RotatingKeyring? rotating, ILogger logger, TimeSpan? serviceTicketTtl = null) : IDispatcher
{
    // One outstanding request of each kind at most: a reply or a new session clears it.
    private static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(10);
    private readonly object _lock = new();
    private TaskCompletionSource _rotatingReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _session;
    private CephxMonState? _state;
    private DateTime _ticketsAsked = DateTime.MinValue;
    private DateTime _rotatingAsked = DateTime.MinValue;

    /// <summary>True when this process verifies tickets (a daemon with a rotating keyring).</summary>
    public bool KeepsRotatingKeys => rotating is not null;

    /// <summary>
    /// A new monitor session is up: its connection must have logged in with cephx (its state carries
    /// the server challenge a renewed AUTH ticket is proved against). Asks at once for what is due.
    /// </summary>
    public void OnSession(IConnection session)
    {
        ArgumentNullException.ThrowIfNull(session);
        CephxMonState? state = session.Handshake?.AuthContext?.MethodState as CephxMonState;
        lock (_lock)
        {
            _session = session;
            _state = state;
            _ticketsAsked = _rotatingAsked = DateTime.MinValue;
        }

        Tick();
    }

    /// <summary>Sends what is due: renewed tickets, rotating secrets. Cheap when nothing is.</summary>
    public void Tick()
    {
        IConnection? session;
        CephxMonState? state;
        bool askTickets, askRotating;
        DateTime now = DateTime.UtcNow;
        lock (_lock)
        {
            session = _session;
            state = _state;
            if (session is null || state is null || !session.IsConnected)
            {
                return;
            }

            askTickets = cephx.NeedsTickets && now - _ticketsAsked > ResendAfter;
            askRotating = cephx.NeedsRotatingKeys(serviceTicketTtl) && now - _rotatingAsked > ResendAfter;
            if (askTickets)
            {
                _ticketsAsked = now;
            }

            if (askRotating)
            {
                _rotatingAsked = now;
            }
        }

        if (askTickets && cephx.BuildTicketRequest(state) is byte[] request)
        {
            Log.Renewing(logger, cephx.Name.ToString(), cephx.NeedKeys());
            session.SendMessage(new MAuth { Protocol = AuthMethod.Cephx, Payload = request });
        }

        if (askRotating)
        {
            Log.FetchingRotating(logger, cephx.Name.ToString());
            session.SendMessage(new MAuth { Protocol = AuthMethod.Cephx, Payload = CephxClient.BuildRotatingKeyRequest() });
        }
    }

    /// <summary>Completes once the rotating secrets are current (Ceph's <c>wait_auth_rotating</c>); at once when none are kept.</summary>
    public Task WaitForRotatingKeysAsync(CancellationToken ct)
    {
        if (rotating is null || !cephx.NeedsRotatingKeys(serviceTicketTtl))
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            if (_rotatingReady.Task.IsCompleted)
            {
                _rotatingReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _rotatingReady.Task.WaitAsync(ct);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message is not MAuthReply reply || reply.Protocol != AuthMethod.Cephx)
        {
            return ValueTask.FromResult(false);
        }

        CephxMonState? state;
        lock (_lock)
        {
            state = _state;
        }

        if (state is null)
        {
            return ValueTask.FromResult(true); // a reply from a session that is gone
        }

        switch (cephx.HandleMAuthReply(state, reply.Result, reply.ResultPayload.Span))
        {
            case CephxReplyOutcome.Updated { RequestType: CephxRequestType.GetRotatingKey }:
                lock (_lock)
                {
                    _rotatingAsked = DateTime.MinValue;
                    _rotatingReady.TrySetResult();
                }

                Log.RotatingUpdated(logger, cephx.Name.ToString(), rotating?.Secrets?.MaxVersion ?? 0);
                break;
            case CephxReplyOutcome.Updated updated:
                lock (_lock)
                {
                    _ticketsAsked = DateTime.MinValue;
                }

                Log.Renewed(logger, cephx.Name.ToString(), updated.NeedsMoreTickets);
                break;
            case CephxReplyOutcome.Failed failed:
                Log.RequestFailed(logger, cephx.Name.ToString(), Errno.Name(failed.Errno), failed.Reason, reply.ResultMessage);
                break;
        }

        return ValueTask.FromResult(true);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "cephx {Name}: renewing tickets (need 0x{Need:x})")]
        public static partial void Renewing(ILogger logger, string name, uint need);

        [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "cephx {Name}: tickets renewed (more needed: {More})")]
        public static partial void Renewed(ILogger logger, string name, bool more);

        [LoggerMessage(EventId = 42, Level = LogLevel.Debug, Message = "cephx {Name}: fetching rotating service secrets")]
        public static partial void FetchingRotating(ILogger logger, string name);

        [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "cephx {Name}: rotating service secrets updated (newest secret id {SecretId})")]
        public static partial void RotatingUpdated(ILogger logger, string name, ulong secretId);

        [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "cephx {Name}: the monitor refused a request: {Errno}, {Reason} ({Message})")]
        public static partial void RequestFailed(ILogger logger, string name, string errno, string reason, string message);
    }
}
