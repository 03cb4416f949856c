using Microsoft.Extensions.Hosting;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// Runs <c>osd->init()</c> after the host has started, i.e. after every messenger has started and
/// Kestrel has bound their endpoints: heartbeats start, and with monitors configured the OSD boots
/// (a refusal fails the start) and keeps its monitor session. Stops both first on shutdown.
/// </summary>
internal sealed class OsdInit(Osd osd, OsdMonClient monc) : IHostedLifecycleService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _session = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        osd.Init();
        if (monc.Enabled)
        {
            await monc.BootAsync(osd.Info!, cancellationToken);
            _session = monc.RunAsync(_stopping.Token);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _session;
        await osd.ShutdownAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
