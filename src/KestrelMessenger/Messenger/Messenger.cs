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
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger;

/// <summary>
/// Ceph's <c>Messenger</c>: one named endpoint of a daemon (public, cluster, heartbeat, objecter …).
/// It accepts connections on the endpoints Kestrel binds for it, opens connections to peers,
/// and delivers received messages to its dispatchers through a priority <c>DispatchQueue</c>.
/// </summary>
public sealed class Messenger : IHandshakeHost, IConnectionOwner, IAsyncDisposable
{
    private readonly MessengerOptions _options;
    private readonly IMessengerTransport _transport;
    private readonly DispatcherChain _dispatchers;
    private readonly DispatchQueue _queue;
    private readonly ConnectionDelegate _clientPipeline;
    private readonly ConcurrentDictionary<MessengerConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<EntityAddr, MessengerConnection> _outbound = new();
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
        _idle = new IdleSweeper(this, () => _connections.Keys, options.ConnectionIdleTimeout);
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

    /// <summary>Connections open now (inbound and outbound).</summary>
    public IReadOnlyCollection<IConnection> Connections => [.. _connections.Keys];

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

    /// <summary>The one chain both roles run: user middleware, banner, handshake, this messenger.</summary>
    private void ComposeChain(IConnectionBuilder builder)
    {
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
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ceph's <c>connect_to</c>: a handle on a connection to <paramref name="peerType"/> at
    /// <paramref name="addrs"/>; an open one to the same address is reused. Messages sent before
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
        while (true)
        {
            if (_outbound.TryGetValue(target, out MessengerConnection? existing) && !existing.IsClosed)
            {
                return existing;
            }

            var connection = new MessengerConnection(this, new EntityName(peerType, EntityName.New), addrs, target.EndPoint.ToString());
            bool added = existing is null ? _outbound.TryAdd(target, connection) : _outbound.TryUpdate(target, connection, existing);
            if (added)
            {
                _connections[connection] = 0;
                _ = RunOutboundAsync(connection, peerType, target);
                return connection;
            }
        }
    }

    /// <summary>Connects to a single msgr2 address.</summary>
    public IConnection ConnectTo(EntityType peerType, EntityAddr addr) => ConnectTo(peerType, new EntityAddrVec(addr));

    /// <summary>The terminal of the server and client chains: runs READY on a handshaken connection.</summary>
    public async Task OnConnectedAsync(ConnectionContext context)
    {
        HandshakeResult handshake = context.Features.Get<ICephHandshakeFeature>()?.Result
            ?? throw new InvalidOperationException("UseCephHandshake() must run before the messenger's connection handler");
        MessengerConnection? connection = context.Features.Get<OutboundConnection>()?.Connection;
        if (connection is null)
        {
            connection = new MessengerConnection(this, handshake.PeerName, handshake.PeerAddrs, context.RemoteEndPoint?.ToString() ?? "?");
            _connections[connection] = 0;
            if (_shutdown.IsCancellationRequested)
            {
                connection.Close(new ConnectionFailure(FailureKind.Local, "messenger is shutting down"));
                return;
            }
        }

        await connection.RunAsync(context, handshake);
    }

    /// <summary>Closes every connection, dispatches what was already queued, and stops (Ceph's <c>shutdown</c>).</summary>
    public async Task ShutdownAsync()
    {
        if (!_shutdown.IsCancellationRequested)
        {
            _shutdown.Cancel();
            foreach (MessengerConnection connection in _connections.Keys)
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

    /// <inheritdoc />
    ulong IHandshakeHost.NextGlobalSeq() => (ulong)Interlocked.Increment(ref _globalSeq);

    void IConnectionOwner.Deliver(MessengerConnection connection, Message message)
    {
        if (!_dispatchers.TryFastDispatch(message))
        {
            _queue.Enqueue(message);
        }
    }

    ValueTask IConnectionOwner.WaitForDispatchRoomAsync(CancellationToken cancellationToken) => _queue.WaitForRoomAsync(cancellationToken);

    bool IConnectionOwner.HasDispatchRoom => _queue.HasRoom;

    ThrottleLimits IConnectionOwner.ThrottleLimitsFor(HandshakeRole role) => new(
        _options.MaxInFlightMessages, _options.MaxInFlightBytes, _options.MaxOutQueueMessages, _options.MaxOutQueueBytes,
        BoundOutQueue: role == HandshakeRole.Server);

    void IConnectionOwner.OnReady(MessengerConnection connection) =>
        _queue.Enqueue(connection.Handshake!.Role == HandshakeRole.Client ? DispatchEvent.Connect : DispatchEvent.Accept, connection);

    void IConnectionOwner.OnClosed(MessengerConnection connection, CloseKind kind, string reason)
    {
        _connections.TryRemove(connection, out _);
        foreach (var entry in _outbound)
        {
            if (entry.Value == connection)
            {
                _outbound.TryRemove(entry);
            }
        }

        bool wasReady = connection.Handshake is not null;
        if (wasReady)
        {
            Metrics.ConnectionClosed(Name);
        }

        // A local mark_down is not reported back, as in Ceph.
        if (kind != CloseKind.Local)
        {
            _queue.Enqueue(wasReady ? DispatchEvent.Reset : DispatchEvent.Refused, connection);
        }
    }

    private async Task RunOutboundAsync(MessengerConnection connection, EntityType peerType, EntityAddr target)
    {
        ConnectionContext context;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(HandshakeTimeout);
            context = await _transport.Connections.ConnectAsync(target.EndPoint!, timeout.Token);
        }
        catch (Exception e)
        {
            ConnectionFailure failure = ConnectFailure(e);
            MessengerLog.ConnectFailed(Logger, Name, target.ToString(), failure.Reason);
            connection.Close(failure);
            return;
        }

        var targetFeature = new CephConnectTargetFeature(peerType, target);
        await using (context)
        {
            context.Features.Set<ICephConnectTargetFeature>(targetFeature);
            context.Features.Set(new OutboundConnection(connection));
            try
            {
                await _clientPipeline(context);
            }
            catch (Exception e) when (HandshakeFailures.IsTransportGone(e) || e is OperationCanceledException)
            {
                targetFeature.Failure ??= new ConnectionFailure(FailureKind.PeerClosed, "transport closed");
            }
            catch (Exception e)
            {
                // A bug (ours, or in user middleware): logged as one, and the connection still closes for good.
                MessengerLog.PipelineFailed(Logger, e, Name, target.ToString());
                targetFeature.Failure ??= new ConnectionFailure(FailureKind.ProtocolError, $"internal error on the connection: {e.GetType().Name}");
            }
        }

        connection.Close(targetFeature.Failure ?? new ConnectionFailure(FailureKind.PeerClosed, "connection closed"));
    }

    /// <summary>Why a TCP connect failed, in our words.</summary>
    private ConnectionFailure ConnectFailure(Exception e) => e switch
    {
        _ when _shutdown.IsCancellationRequested => new ConnectionFailure(FailureKind.Local, "messenger is shutting down"),
        OperationCanceledException => new ConnectionFailure(FailureKind.TimedOut, $"connect timed out after {HandshakeTimeout.TotalSeconds:0.###} s"),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new ConnectionFailure(FailureKind.Refused, "connection refused"),
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable } s
            => new ConnectionFailure(FailureKind.Refused, $"{s.SocketErrorCode switch { SocketError.HostUnreachable => "host", SocketError.NetworkUnreachable => "network", _ => "address" }} unreachable"),
        SocketException { SocketErrorCode: SocketError.TimedOut } => new ConnectionFailure(FailureKind.TimedOut, "connect timed out"),
        _ => new ConnectionFailure(FailureKind.Refused, $"connect failed: {e.Message}"),
    };

    /// <summary>Marks a transport connection as belonging to an outbound <see cref="MessengerConnection"/>.</summary>
    private sealed record OutboundConnection(MessengerConnection Connection);
}
