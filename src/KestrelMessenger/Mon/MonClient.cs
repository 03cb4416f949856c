using Microsoft.Extensions.DependencyInjection;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Mon;

/// <summary>
/// Ceph's <c>MonClient</c> (src/mon/MonClient.cc), over one of the process's messengers: it hunts the
/// monitors (<c>mon_client_hunt_parallel</c> at a time, with Ceph's backoff), keeps one session alive
/// with keepalives (<c>mon_client_ping_interval</c>, dropped after <c>mon_client_ping_timeout</c>), and
/// hunts again whenever the session is lost, for as long as it runs. It tracks the monmap (fsid, epoch,
/// the monitors to hunt), keeps the subscriptions (<c>sub_want</c> / <c>sub_got</c>, re-sent on each new
/// session), answers <see cref="GetVersionAsync"/> and <see cref="CommandAsync(string, CancellationToken)"/>
/// (re-sent to the next monitor when a session is lost before the answer), and is a dispatcher of its
/// messenger (it claims the monitors' replies, the monmap, MConfig and the maps it has handlers for).
/// </summary>
/// <remarks>
/// Auth: the session's authentication is the messenger's (its <c>IAuthClient</c>, auth none without
/// one); the client learns its global id from the session's handshake (<see cref="GlobalId"/>). Ticket
/// renewal (Ceph's <c>_check_auth_tickets</c> / <c>_check_auth_rotating</c>) belongs in the keepalive
/// round of the session loop, where Ceph's <c>tick</c> runs it; it is not implemented here.
/// </remarks>
public sealed partial class MonClient : IDispatcher, IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly MonClientOptions _options;
    private readonly ILogger _logger;
    private readonly Func<Messenger> _messengerOf;
    private readonly HuntBackoff _backoff;
    private readonly MonSubscriptions _subs = new();
    private readonly Dictionary<string, List<Action<Message>>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<ushort, string> _subscribedTypes = [];
    private readonly SortedDictionary<ulong, MonOp> _ops = [];
    private readonly List<Message> _waitingForSession = [];
    private readonly HashSet<int> _tried = [];
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<EntityAddrVec> _monitors;
    private Messenger? _messenger;
    private Task? _run;
    private IConnection? _session;
    private bool _sessionReady;
    private TaskCompletionSource _ready = NewSignal();
    private TaskCompletionSource<string> _authRefused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<string> _reopen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MonMap? _monmap;
    private ulong _globalId;
    private ulong _lastTid;
    private int _huntAttempts;
    private string _huntReasons = "";
    private bool _hadSession;

    /// <summary>Creates the client of the messenger named in <paramref name="options"/> (for DI: <c>AddCephMonClient</c> registers it as that messenger's dispatcher).</summary>
    public MonClient(IOptions<MonClientOptions> options, IServiceProvider services, ILogger<MonClient>? logger = null)
        : this(options.Value, () => services.GetMessenger(options.Value.Messenger), logger)
    {
        Keeper = services.GetService<CephxKeeper>();
    }

    /// <summary>
    /// Keeps the process's cephx tickets and rotating secrets current over each session (Ceph's
    /// <c>_check_auth_tickets</c> in <c>tick</c>); null with auth none. <c>AddCephAuth</c> registers one.
    /// </summary>
    public CephxKeeper? Keeper { get; init; }

    /// <summary>Creates the client of <paramref name="messenger"/> and adds it at the tail of its dispatchers.</summary>
    public MonClient(Messenger messenger, MonClientOptions options, ILogger<MonClient>? logger = null)
        : this(options, () => messenger, logger)
    {
        messenger.AddDispatcherTail(this);
    }

    private MonClient(MonClientOptions options, Func<Messenger> messengerOf, ILogger? logger)
    {
        string[] problems = [.. options.Validate()];
        if (problems.Length > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _messengerOf = messengerOf;
        _logger = logger ?? NullLogger.Instance;
        _backoff = new HuntBackoff(options.HuntIntervalBackoff, options.HuntIntervalMaxMultiple, options.HuntIntervalMinMultiple);
        _monitors = options.Monitors();
        _subs.Want("monmap", 0, 0); // Ceph's MonClient always follows the monmap
    }

    /// <summary>The monitors hunted now: <c>mon_host</c>'s, then the monmap's (v2 addresses).</summary>
    public IReadOnlyList<EntityAddrVec> Monitors
    {
        get
        {
            lock (_lock)
            {
                return _monitors;
            }
        }
    }

    /// <summary>True when there is any monitor to hunt.</summary>
    public bool HasMonitors => Monitors.Count > 0;

    /// <summary>The newest monmap received (null before the first).</summary>
    public MonMap? MonMap => Volatile.Read(ref _monmap);

    /// <summary>The cluster fsid, from the monmap (empty before the first).</summary>
    public Guid Fsid => MonMap?.Fsid ?? Guid.Empty;

    /// <summary>Our global id, as the monitor's AUTH_DONE gave it on the last session (0 before one).</summary>
    public ulong GlobalId => Interlocked.Read(ref _globalId);

    /// <summary>The current session, once it is established (a monitor answers and the monmap is known); null while hunting.</summary>
    public IConnection? Session
    {
        get
        {
            lock (_lock)
            {
                return _sessionReady ? _session : null;
            }
        }
    }

    /// <summary>True while a session is established.</summary>
    public bool IsConnected => Session is not null;

    /// <summary>
    /// Raised once per established session (the first and each one after a re-hunt), after the
    /// subscriptions, queued messages and pending requests were sent on it: what a daemon says again to
    /// a new monitor (an OSD's boot, its failure reports) goes here. Runs on the client's loop or its
    /// messenger's dispatch loop: keep it short.
    /// </summary>
    public event Action<IConnection>? SessionEstablished;

    /// <summary>Starts hunting (once; later calls do nothing). Without monitors it does nothing.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_run is null && _monitors.Count > 0)
            {
                _messenger = _messengerOf();
                _run = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Waits for an established session for at most <see cref="MonClientOptions.MountTimeout"/> (<c>client_mount_timeout</c>).</summary>
    public Task WaitForSessionAsync(CancellationToken cancellationToken = default) => WaitForSessionAsync(_options.MountTimeout, cancellationToken);

    /// <summary>
    /// Waits for an established session. Throws <see cref="MonClientException"/> with
    /// <see cref="Errno.ETIMEDOUT"/> when none is found within <paramref name="timeout"/> (the message names
    /// each monitor's last failure), or <see cref="Errno.EACCES"/> when, before any session, every monitor of a
    /// hunt attempt refused our authentication (the client keeps hunting either way).
    /// </summary>
    public async Task WaitForSessionAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Task ready;
        Task<string> refused;
        lock (_lock)
        {
            ready = _ready.Task;
            refused = _authRefused.Task;
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        window.CancelAfter(timeout);
        Task expired = Task.Delay(Timeout.Infinite, window.Token);
        Task first = await Task.WhenAny(ready, refused, expired);
        if (first == ready)
        {
            return;
        }

        if (first == refused)
        {
            throw new MonClientException(Errno.EACCES, await refused);
        }

        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        (int attempts, string reasons) = HuntProgress();
        throw new MonClientException(Errno.ETIMEDOUT,
            $"no monitor answered within {timeout.TotalSeconds:0.#} s (client_mount_timeout), after {attempts} attempt(s) ({(reasons.Length > 0 ? reasons : "no attempt finished")})");
    }

    /// <summary>Stops hunting, closes the session, and ends every pending request with <see cref="Errno.ECANCELED"/>.</summary>
    public async Task StopAsync()
    {
        Task? run;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                run = _run;
            }
            else
            {
                _stopping.Cancel();
                run = _run;
            }
        }

        if (run is not null)
        {
            await run;
        }

        MonOp[] ops;
        lock (_lock)
        {
            ops = [.. _ops.Values];
            _ops.Clear();
            DropWaiting();
        }

        foreach (MonOp op in ops)
        {
            op.Fail(Errno.ECANCELED, "the monitor client stopped");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Ceph's <c>send_mon_message</c>: sends <paramref name="message"/> on the established session, or
    /// queues it until there is one. A session lost first drops what was queued for it (as Ceph throws
    /// out <c>waiting_for_session</c>): what must reach a new monitor is said again from <see cref="SessionEstablished"/>.
    /// </summary>
    public void SendMessage(Message message)
    {
        IConnection? session;
        lock (_lock)
        {
            session = _sessionReady ? _session : null;
            if (session is null)
            {
                _waitingForSession.Add(message);
                return;
            }
        }

        session.SendMessage(message);
    }

    private (int Attempts, string Reasons) HuntProgress()
    {
        lock (_lock)
        {
            return (_huntAttempts, _huntReasons);
        }
    }

    private void DropWaiting()
    {
        foreach (Message m in _waitingForSession)
        {
            m.Dispose();
        }

        _waitingForSession.Clear();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
