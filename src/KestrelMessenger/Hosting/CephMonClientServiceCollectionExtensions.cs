using KestrelMessenger.Mon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Hosting;

/// <summary>Registers the process's <see cref="MonClient"/> with an ASP.NET Core host.</summary>
public static class CephMonClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="MonClient"/> (a singleton): options bind from <c>Ceph:MonClient</c>, then
    /// <paramref name="configure"/> runs; they are validated at start. It becomes a dispatcher of the
    /// messenger <see cref="MonClientOptions.Messenger"/> names (added with <c>AddCephMessenger</c>) and,
    /// with <see cref="MonClientOptions.StartWithHost"/>, starts hunting once the host has started; it stops
    /// with the host.
    /// </summary>
    public static IServiceCollection AddCephMonClient(this IServiceCollection services, Action<MonClientOptions>? configure = null)
    {
        OptionsBuilder<MonClientOptions> options = services.AddOptions<MonClientOptions>().BindConfiguration(MonClientOptions.ConfigurationSection);

        // A ceph.conf read into configuration (AddCephConf) gives Ceph:mon_host: the monitors, unless named here.
        options.Configure<IServiceProvider>((o, sp) =>
        {
            if (o.MonHost.Count == 0 && sp.GetService<IConfiguration>()?["Ceph:mon_host"] is string monHost && monHost.Length > 0)
            {
                o.MonHost = [monHost];
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonClientOptions>, MonClientOptionsValidator>());
        services.TryAddSingleton(sp => new MonClient(sp.GetRequiredService<IOptions<MonClientOptions>>(), sp, sp.GetService<ILogger<MonClient>>()));
        services.AddSingleton(new DispatcherRegistration(
            sp => sp.GetRequiredService<IOptions<MonClientOptions>>().Value.Messenger, sp => sp.GetRequiredService<MonClient>(), Head: false));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MonClientHostedService>());
        return services;
    }
}

internal sealed class MonClientOptionsValidator : IValidateOptions<MonClientOptions>
{
    public ValidateOptionsResult Validate(string? name, MonClientOptions options)
    {
        string[] problems = [.. options.Validate()];
        return problems.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Starts the MonClient after the messengers (the host's started phase), stops it before they stop.</summary>
internal sealed class MonClientHostedService(MonClient client, IOptions<MonClientOptions> options) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) =>
        options.Value.StartWithHost ? client.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => client.StopAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
