using Microsoft.Extensions.Hosting;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// Runs <c>osd->init()</c> after the host has started, i.e. after every messenger has started and
/// Kestrel has bound their endpoints; stops the heartbeats first on shutdown.
/// </summary>
internal sealed class OsdInit(Osd osd) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        osd.Init();
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => osd.ShutdownAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
