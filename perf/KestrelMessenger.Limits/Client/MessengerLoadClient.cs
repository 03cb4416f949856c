using System.Globalization;
using KestrelMessenger.Hosting;
using KestrelMessenger.LoadTool;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// The messenger client: one generic host (no Kestrel: it only dials) with one messenger per connection,
/// because a messenger keeps one session per peer, as Ceph's does, and ConnectTo reuses it. In secure mode
/// the process logs in as <c>client.admin</c> against the in-process monitor stand-in, whose OSD secrets
/// are the server's (from the secrets file), and every connection must come up cephx + secure.
/// </summary>
internal sealed class MessengerLoadClient : ILoadClient
{
    private readonly DriveOptions _options;
    private readonly IHost _host;
    private readonly List<(Messenger Messenger, MessengerLoop Loop)> _loops = [];
    private readonly MessageBuffer _payload;
    private readonly InProcessCephx? _cephx;
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MessengerLoadClient(DriveOptions options, LoadWindow window)
    {
        _options = options;
        byte[] bytes = new byte[options.Size];
        new Random(42).NextBytes(bytes);
        _payload = MessageBuffer.CopyOf(bytes);

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        if (options.Kind == ServerKind.Secure)
        {
            _cephx = new InProcessCephx(AuthEntityName.Parse("client.admin"), SecretsFile.Read(options.Secrets!));
            builder.Services.AddCephAuth(_cephx.ClientName, _cephx.ClientKey);
            builder.Services.Configure<AuthOptions>(o =>
            {
                o.AuthClientRequired = "cephx";
                o.ClientMode = "secure";
            });
        }

        for (int i = 0; i < options.Connections; i++)
        {
            builder.Services.AddCephMessenger(Name(i), o => o.Entity = "client.-1");
        }

        _host = builder.Build();
        for (int i = 0; i < options.Connections; i++)
        {
            Messenger messenger = _host.Services.GetMessenger(Name(i));
            var loop = new MessengerLoop(options, _payload, window);
            messenger.AddDispatcherTail(loop);
            _loops.Add((messenger, loop));
        }
    }

    public IReadOnlyList<LoopRecorder> Loops => [.. _loops.Select(l => l.Loop.Recorder)];

    public string Security { get; private set; } = "";

    public Task<string> Failed => _failed.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _host.StartAsync(cancellationToken);
        // The client's tickets, as a monitor login would have left them (before any connection needs one).
        _cephx?.LogIn(_host.Services.GetRequiredService<CephxClient>());

        var server = EntityAddr.Parse(string.Create(CultureInfo.InvariantCulture, $"v2:127.0.0.1:{_options.Port}/{LimitsMessages.ServerNonce}"));
        foreach ((Messenger messenger, MessengerLoop loop) in _loops)
        {
            loop.Attach(messenger.ConnectTo(EntityType.Osd, server));
            _ = loop.Failed.ContinueWith(t => _failed.TrySetResult(t.Result), TaskScheduler.Default);
        }

        Task all = Task.WhenAll(_loops.Select(l => l.Loop.Connected));
        if (await Task.WhenAny(all, _failed.Task).WaitAsync(cancellationToken) != all)
        {
            throw new LoadFailure($"handshake failed: {_failed.Task.Result}");
        }

        (uint method, ConnectionMode mode) = Expected;
        foreach ((_, MessengerLoop loop) in _loops)
        {
            HandshakeResult handshake = loop.Connection.Handshake!;
            if (handshake.Auth.Method != method || handshake.Mode != mode)
            {
                // Never report figures for a mode other than the one asked for.
                throw new LoadFailure($"--kind {_options.Kind.Name()} negotiated auth {AuthMethod.Name(handshake.Auth.Method)}, {Lower(handshake.Mode)} mode");
            }
        }

        Security = $"auth {AuthMethod.Name(method)}, {Lower(mode)} mode on all {_loops.Count} connections";
        foreach ((_, MessengerLoop loop) in _loops)
        {
            loop.Start();
        }
    }

    public async Task<ServerSnapshot> QueryServerAsync(CancellationToken cancellationToken)
    {
        ServerSnapshot snapshot = await _loops[0].Loop.QueryAsync().WaitAsync(cancellationToken);
        (uint method, ConnectionMode mode) = Expected;
        if (snapshot.AuthMethod != method || snapshot.Mode != mode)
        {
            // The server's own view of the connection: what it accepted, not what the client believes.
            throw new LoadFailure($"the server reports auth {AuthMethod.Name(snapshot.AuthMethod)}, {Lower(snapshot.Mode)} mode for --kind {_options.Kind.Name()}");
        }

        return snapshot;
    }

    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Task all = Task.WhenAll(_loops.Select(l => l.Loop.Drained));
        return await Task.WhenAny(all, Task.Delay(timeout)) == all;
    }

    public async ValueTask DisposeAsync()
    {
        foreach ((_, MessengerLoop loop) in _loops)
        {
            loop.Close();
        }

        await _host.StopAsync();
        _host.Dispose();
        _payload.Dispose();
    }

    private (uint Method, ConnectionMode Mode) Expected => _options.Kind == ServerKind.Secure
        ? (AuthMethod.Cephx, ConnectionMode.Secure)
        : (AuthMethod.None, ConnectionMode.Crc);

    private static string Name(int index) => string.Create(CultureInfo.InvariantCulture, $"client{index}");

    private static string Lower(ConnectionMode mode) => mode.ToString().ToLowerInvariant();
}
