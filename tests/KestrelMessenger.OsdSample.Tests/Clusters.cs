using Microsoft.AspNetCore.Builder;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>Local clusters of sample OSDs for tests: fast heartbeats, and one shared transport when in memory.</summary>
public static class Clusters
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    public static LocalCluster Create(TransportKind transport, TimeSpan? interval = null, TimeSpan? grace = null) =>
        Create(transport, out _, interval, grace);

    /// <summary>
    /// A cluster, and the transport a client must use to reach it. <paramref name="tune"/> adjusts each OSD's
    /// options and <paramref name="customize"/> its host, by id.
    /// </summary>
    public static LocalCluster Create(TransportKind transport, out IMessengerTransport clientTransport, TimeSpan? interval = null, TimeSpan? grace = null,
        Action<int, OsdOptions>? tune = null, Action<int, WebApplicationBuilder>? customize = null)
    {
        var memory = new MemoryTransport(); // shared by every OSD host, so they can reach each other
        clientTransport = transport == TransportKind.Memory ? memory : new SocketMessengerTransport(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        return new LocalCluster(
            id =>
            {
                var options = new OsdOptions
                {
                    Id = id,
                    HeartbeatInterval = interval ?? TimeSpan.FromMilliseconds(200),
                    HeartbeatGrace = grace ?? TimeSpan.FromSeconds(1.5),
                    ReplicationTimeout = TimeSpan.FromSeconds(5),
                };
                tune?.Invoke(id, options);
                return options;
            },
            (id, b) =>
            {
                b.Logging.SetMinimumLevel(LogLevel.Warning);
                if (transport == TransportKind.Memory)
                {
                    b.Services.AddSingleton<IMessengerTransport>(memory);
                }

                customize?.Invoke(id, b);
            });
    }

    public static Task EventuallyAsync(Func<bool> condition, TimeSpan timeout, string what) => Eventually.UntilAsync(condition, timeout, () => what);
}
