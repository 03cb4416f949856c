using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KestrelMessenger.Hosting;

/// <summary>Attaches dispatchers and starts every messenger with the host; shuts them down with it.</summary>
internal sealed class CephMessengerHostedService(
    IServiceProvider services, IEnumerable<MessengerRegistration> messengers, IEnumerable<DispatcherRegistration> dispatchers) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (MessengerRegistration registration in messengers)
        {
            Messenger messenger = services.GetMessenger(registration.Name);
            foreach (DispatcherRegistration d in dispatchers.Where(d => d.Messenger(services) == registration.Name))
            {
                if (d.Head)
                {
                    messenger.AddDispatcherHead(d.Create(services));
                }
                else
                {
                    messenger.AddDispatcherTail(d.Create(services));
                }
            }

            await messenger.StartAsync(cancellationToken);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any service stops, so messengers close their connections before Kestrel waits on them.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(messengers.Select(m => services.GetMessenger(m.Name).ShutdownAsync())).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out: stop waiting (the messengers finish closing on
            // their own) rather than fail the host's stop.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => StoppingAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
