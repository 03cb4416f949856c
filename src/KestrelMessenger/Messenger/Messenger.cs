using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using KestrelMessenger.Connections;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger;

/// <summary>
/// Ceph's <c>Messenger</c>: one named endpoint of a daemon (public, cluster, heartbeat, objecter …).
/// It accepts connections on the endpoints Kestrel binds for it, opens connections to peers, keeps one
/// session per peer (lossless ones survive their sockets), and delivers received messages to its
/// dispatchers through a priority <c>DispatchQueue</c>.
/// </summary>
public sealed partial class Messenger : IHandshakeHost, IConnectionOwner, ISessionAcceptor, IAsyncDisposable
{
    private readonly MessengerOptions _options;
    private readonly IMessengerTransport _transport;
    private readonly DispatcherChain _dispatchers;
    private readonly DispatchQueue _queue;
    private readonly ConnectionDelegate _clientPipeline;
    private readonly ConnectionManager _sessions;
    private readonly FaultInjection _injection;
    private readonly List<Func<EndPoint?>> _bindings = [];
    private readonly ConcurrentDictionary<EntityType, Policy> _policies;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IdleSweeper _idle;
    private Task? _dispatchLoop;
    private Task? _idleLoop;
    private long _globalSeq;
    private EntityName _myName;

    /// <summary>Creates a messenger (Ceph's <c>Messenger::create</c>).</summary>
    public Messenger(string name, MessengerOptions options, IMessengerTransport transport, ILoggerFactory? loggerFactory = null,
        MessengerMetrics? metrics = null, MessageRegistry? registry = null, IServiceProvider? services = null)
    {
        string[] problems = [.. options.Validate()];
        if (problems.Length > 0)
        {
            throw new ArgumentException($"messenger '{name}': {string.Join("; ", problems)}", nameof(options));
        }

        Name = name;
        _options = options;
        _transport = transport;
        _myName = options.ParsedEntity;
        Nonce = options.Nonce ?? (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        Logger = (ILogger?)loggerFactory?.CreateLogger("KestrelMessenger.Messenger") ?? NullLogger.Instance;
        Metrics = metrics ?? new MessengerMetrics(null);
        Registry = registry ?? MessageRegistry.CreateDefault();
        FrameLimits = options.FrameLimits;
        // The auth providers are the process's (ceph-osd's MonClient serves all seven messengers); without
        // any registered, this messenger speaks auth none under its own name.
        AuthClient = services?.GetService<IAuthClient>() ?? new AuthNoneClient(options.ParsedAuthName);
        AuthServer = services?.GetService<IAuthServer>() ?? new AuthNoneServer();
        AuthOptions authOptions = services?.GetService<Microsoft.Extensions.Options.IOptions<AuthOptions>>()?.Value ?? new AuthOptions();
        AuthRegistry = new AuthRegistry(authOptions, _myName.Type, [.. AuthClient.Methods.Union(AuthServer.Methods)]);
        if (AuthRegistry.Problems.Count > 0)
        {
            throw new ArgumentException($"messenger '{name}': {string.Join("; ", AuthRegistry.Problems)}", nameof(options));
        }
        DefaultPolicy = options.DefaultPolicy ?? (options.Bind.Count > 0 ? Policy.StatelessServer() : Policy.LossyClient());
        _policies = new ConcurrentDictionary<EntityType, Policy>(options.Policies);
        _dispatchers = new DispatcherChain(name, Logger);
        _queue = new DispatchQueue(_dispatchers, options.DispatchThrottleBytes);
        _sessions = new ConnectionManager(this);
        _idle = new IdleSweeper(this, () => _sessions.All, options.ConnectionIdleTimeout);
        FaultInjectionOptions inject = options.FaultInjection ?? services?.GetService<Microsoft.Extensions.Options.IOptions<FaultInjectionOptions>>()?.Value ?? new FaultInjectionOptions();
        _injection = inject.Enabled ? new FaultInjection(inject) : FaultInjection.None;
        var client = new ConnectionBuilder(services ?? new ServiceCollection().BuildServiceProvider());
        ComposeChain(client);
        _clientPipeline = client.Build();
    }

    /// <summary>The messenger's name ("public", "cluster", …).</summary>
    public string Name { get; }

    /// <summary>Our entity name. A client takes its number from the monitor's global id.</summary>
    public EntityName MyName
    {
        get => _myName;
        set => _myName = value;
    }

    /// <inheritdoc />
    public uint Nonce { get; }

    /// <summary>The msgr2 addresses we are bound to (empty until Kestrel has bound them).</summary>
    public EntityAddrVec MyAddrs => new(_bindings
        .Select(b => b() as IPEndPoint)
        .Where(ep => ep is not null)
        .Select(ep => EntityAddr.V2(ep!, Nonce)));

    /// <summary>The policy for peer types without one of their own.</summary>
    public Policy DefaultPolicy { get; set; }

    /// <summary>Message types decoded by this messenger.</summary>
    public MessageRegistry Registry { get; }

    /// <summary>Where this messenger logs.</summary>
    public ILogger Logger { get; }

    /// <summary>This messenger's instruments.</summary>
    public MessengerMetrics Metrics { get; }

    /// <inheritdoc />
    public FrameLimits FrameLimits { get; }

    /// <inheritdoc />
    public FrameLimits PreAuthFrameLimits => _options.PreAuthFrameLimits;

    /// <summary>Client half of auth: the process's <see cref="IAuthClient"/> service, or auth none.</summary>
    public IAuthClient AuthClient { get; }

    /// <summary>Server half of auth: the process's <see cref="IAuthServer"/> service, or auth none.</summary>
    public IAuthServer AuthServer { get; }

    /// <summary>Which methods and modes apply with each peer type (from <see cref="AuthOptions"/>).</summary>
    public AuthRegistry AuthRegistry { get; }

    /// <inheritdoc />
    public TimeSpan HandshakeTimeout => _options.HandshakeTimeout;

    /// <summary>Sessions open now (inbound and outbound; a lossless one counts while it stands by or reconnects).</summary>
    public IReadOnlyCollection<IConnection> Connections => _sessions.All;

    /// <summary>The endpoints Kestrel should bind for this messenger (from <see cref="MessengerOptions.Bind"/>).</summary>
    public IReadOnlyList<CephBindEndPoint> BindEndPoints => [.. _options.Bind.Select(b =>
    {
        (IPAddress address, int min, int max) = _options.ParseBind(b);
        return new CephBindEndPoint(Name, address, min, max);
    })];

    /// <summary>Ceph's <c>set_policy</c>.</summary>
    public void SetPolicy(EntityType peerType, Policy policy) => _policies[peerType] = policy;

    /// <inheritdoc />
    public Policy GetPolicy(EntityType peerType) => _policies.TryGetValue(peerType, out Policy? p) ? p : DefaultPolicy;

    /// <summary>Ceph's <c>add_dispatcher_head</c>: this dispatcher sees messages first.</summary>
    public void AddDispatcherHead(IDispatcher dispatcher) => _dispatchers.AddHead(dispatcher);

    /// <summary>Ceph's <c>add_dispatcher_tail</c>: this dispatcher sees what the others did not handle.</summary>
    public void AddDispatcherTail(IDispatcher dispatcher) => _dispatchers.AddTail(dispatcher);

    /// <summary>Wires this messenger's protocol chain onto a Kestrel <c>ListenOptions</c> bound for it.</summary>
    public void UseOn(IConnectionBuilder listenOptions, Func<EndPoint?> boundEndPoint)
    {
        lock (_bindings)
        {
            _bindings.Add(boundEndPoint);
        }

        ComposeChain(listenOptions);
    }

    /// <summary>The one chain both roles run: fault injection (when on), user middleware, banner, handshake, this messenger.</summary>
    private void ComposeChain(IConnectionBuilder builder)
    {
        if (_injection.Options.SocketFailures > 0)
        {
            builder.Use(next => new FaultInjectionMiddleware(next, this, _injection).OnConnectionAsync);
        }

        foreach (Action<IConnectionBuilder> use in _options.ConnectionMiddleware)
        {
            use(builder);
        }

        builder.UseCephBanner(this).UseCephHandshake(this).Run(OnConnectedAsync);
    }

    /// <summary>Starts the dispatch loop (Ceph's <c>start</c>).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _dispatchLoop ??= Task.Run(_queue.RunAsync, CancellationToken.None);
        _idleLoop ??= _idle.RunAsync(_shutdown.Token);
        MessengerLog.Started(Logger, Name, MyName.ToString(), MyAddrs.ToString());
        if (_injection.Options.Enabled)
        {
            MessengerLog.FaultInjectionOn(Logger, Name, _injection.Options.SocketFailures, _injection.Options.DelayType, _injection.Options.DelayProbability,
                _injection.Options.DelayMax, _injection.Options.InternalDelays, _injection.Seed);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Ceph's <c>connect_to</c>: the session with the peer of <paramref name="peerType"/> at
    /// <paramref name="addrs"/>: an open one is reused, whichever side opened it. Messages sent before
    /// the handshake completes are queued.
    /// </summary>
    public IConnection ConnectTo(EntityType peerType, EntityAddrVec addrs)
    {
        EntityAddr target = addrs.Msgr2 ?? throw new ArgumentException($"{addrs} has no v2: address", nameof(addrs));
        if (target.EndPoint is null)
        {
            throw new ArgumentException($"{target} is blank", nameof(addrs));
        }

        ObjectDisposedException.ThrowIf(_shutdown.IsCancellationRequested, this);
        return _sessions.ConnectTo(peerType, addrs, target);
    }

    /// <summary>Connects to a single msgr2 address.</summary>
    public IConnection ConnectTo(EntityType peerType, EntityAddr addr) => ConnectTo(peerType, new EntityAddrVec(addr));

    /// <summary>The terminal of the server and client chains: runs READY on a handshaken socket, for the session the handshake bound it to.</summary>
    internal async Task OnConnectedAsync(ConnectionContext context)
    {
        HandshakeResult handshake = context.Features.Get<ICephHandshakeFeature>()?.Result
            ?? throw new InvalidOperationException("UseCephHandshake() must run before the messenger's connection handler");
        if (context.Features.Get<IConnectingSession>() is ConnectAttempt attempt)
        {
            await attempt.Session.RunSocketAsync(context, handshake, attempt);
            return;
        }

        var session = (MessengerConnection)(context.Features.Get<IAcceptedSession>()
            ?? throw new InvalidOperationException("an accepted connection reached the messenger without a session"));
        if (_shutdown.IsCancellationRequested)
        {
            session.Close(new ConnectionFailure(FailureKind.Local, "messenger is shutting down"));
            return;
        }

        await session.RunSocketAsync(context, handshake, null);
    }

    /// <summary>Closes every connection, dispatches what was already queued, and stops (Ceph's <c>shutdown</c>).</summary>
    public async Task ShutdownAsync()
    {
        if (!_shutdown.IsCancellationRequested)
        {
            _shutdown.Cancel();
            foreach (MessengerConnection connection in _sessions.All)
            {
                connection.Close(new ConnectionFailure(FailureKind.Local, "messenger shutdown"));
            }
            _queue.Stop();
            if (_dispatchLoop is not null)
            {
                await _dispatchLoop;
            }

            if (_idleLoop is not null)
            {
                await _idleLoop;
            }

            MessengerLog.Stopped(Logger, Name);
            _stopped.TrySetResult();
        }

        await _stopped.Task;
    }

    /// <summary>Completes when the messenger has shut down (Ceph's <c>wait</c>).</summary>
    public Task WaitAsync() => _stopped.Task;

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await ShutdownAsync();
}
