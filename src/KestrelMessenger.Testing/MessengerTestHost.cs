using KestrelMessenger.Hosting;
using KestrelMessenger.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Testing;

/// <summary>Which transport a test host's Kestrel and outbound connections use.</summary>
public enum TransportKind
{
    /// <summary>In-process pipes: no ports.</summary>
    Memory,
    /// <summary>Real sockets on 127.0.0.1.</summary>
    Tcp,
}

/// <summary>
/// A TestServer-style host: several messengers in one process on a real Kestrel, with either the
/// in-memory transport or loopback TCP under the same pipeline and middleware.
/// </summary>
public sealed class MessengerTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MessengerTestHost(WebApplication app, LogSink logs)
    {
        _app = app;
        Logs = logs;
    }

    /// <summary>Every log line the host wrote.</summary>
    public LogSink Logs { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds and starts a host; <paramref name="configure"/> adds messengers with <c>AddCephMessenger</c>.</summary>
    public static async Task<MessengerTestHost> StartAsync(TransportKind transport, Action<IServiceCollection> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        var logs = new LogSink();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        if (transport == TransportKind.Memory)
        {
            builder.Services.AddSingleton<IMessengerTransport>(new MemoryTransport());
        }
        else
        {
            // A host whose messengers bind nothing would get Kestrel's default http://localhost:5000, and two
            // such hosts at once would collide: give Kestrel a free port instead (ignored when messengers bind).
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        configure(builder.Services);
        WebApplication app = builder.Build();
        await app.StartAsync();
        return new MessengerTestHost(app, logs);
    }

    /// <summary>The messenger named <paramref name="name"/>.</summary>
    public Messenger Messenger(string name) => _app.Services.GetMessenger(name);

    /// <summary>A service from the host (dispatchers are singletons).</summary>
    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Stops the host: messengers close their connections, then Kestrel stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
