using KestrelMessenger.OsdSample.Osd;
using Microsoft.AspNetCore.Builder;

namespace KestrelMessenger.OsdSample.Demo;

/// <summary>
/// Several OSD hosts in one process, each a full ceph-osd host with its seven messengers, sharing one
/// <see cref="OsdMap"/> that each fills in as it binds. OSDs can be stopped and restarted.
/// </summary>
public sealed class LocalCluster(Func<int, OsdOptions> options, Action<int, WebApplicationBuilder>? customize) : IAsyncDisposable
{
    private readonly Dictionary<int, WebApplication> _hosts = [];

    /// <summary>A cluster whose OSDs are all built alike.</summary>
    public LocalCluster(Func<int, OsdOptions> options, Action<WebApplicationBuilder>? customize = null)
        : this(options, customize is null ? null : (_, b) => customize(b))
    {
    }

    /// <summary>The shared map.</summary>
    public OsdMap Map { get; } = new();

    /// <summary>The running OSD of id <paramref name="id"/>.</summary>
    public Osd.Osd Get(int id) => _hosts[id].Services.GetRequiredService<Osd.Osd>();

    /// <summary>The host of OSD <paramref name="id"/>.</summary>
    public WebApplication Host(int id) => _hosts[id];

    /// <summary>Ids of the OSDs running now.</summary>
    public IReadOnlyCollection<int> Running => _hosts.Keys;

    /// <summary>Starts OSD <paramref name="id"/> (again); its new addresses replace the old ones in the map.</summary>
    public async Task<Osd.Osd> StartAsync(int id)
    {
        WebApplication host = OsdHost.Build(options(id), Map, customize is null ? null : b => customize(id, b));
        await host.StartAsync();
        _hosts[id] = host;
        return host.Services.GetRequiredService<Osd.Osd>();
    }

    /// <summary>Stops OSD <paramref name="id"/> cleanly; peers find out through heartbeats.</summary>
    public async Task StopAsync(int id)
    {
        if (_hosts.Remove(id, out WebApplication? host))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (int id in _hosts.Keys.ToArray())
        {
            await StopAsync(id);
        }
    }
}
