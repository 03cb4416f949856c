using System.Diagnostics.Metrics;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Hosting;

/// <summary>Registers messengers with an ASP.NET Core host.</summary>
public static class CephMessengerServiceCollectionExtensions
{
    /// <summary>Configuration section a messenger's options bind from: <c>Ceph:Messengers:NAME</c>.</summary>
    public const string ConfigurationSection = "Ceph:Messengers";

    /// <summary>
    /// Adds a messenger named <paramref name="name"/>: Kestrel binds its endpoints, it starts and stops with
    /// the host, and it is resolvable as a keyed <see cref="Messenger"/> service. Options bind from
    /// <c>Ceph:Messengers:NAME</c>, then <paramref name="configure"/> runs; they are validated at start.
    /// </summary>
    public static ICephMessengerBuilder AddCephMessenger(this IServiceCollection services, string name, Action<MessengerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        OptionsBuilder<MessengerOptions> options = services.AddOptions<MessengerOptions>(name).BindConfiguration($"{ConfigurationSection}:{name}");
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddOptions<Protocol.Auth.AuthOptions>().BindConfiguration(Protocol.Auth.AuthOptions.ConfigurationSection);
        services.AddOptions<Connections.FaultInjectionOptions>().BindConfiguration(Connections.FaultInjectionOptions.ConfigurationSection)
            .Validate(o => !o.Validate().Any(), "ms_inject_* options are out of range").ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessengerOptions>, MessengerOptionsValidator>());
        services.TryAddSingleton<IMessengerTransport>(sp => new SocketMessengerTransport(sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new MessengerMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(_ => MessageRegistry.CreateDefault());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, CephListenerFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, CephKestrelOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CephMessengerHostedService>());
        services.AddSingleton(new MessengerRegistration(name));
        services.AddKeyedSingleton(name, (sp, _) => new Messenger(
            name,
            sp.GetRequiredService<IOptionsMonitor<MessengerOptions>>().Get(name),
            sp.GetRequiredService<IMessengerTransport>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<MessengerMetrics>(),
            sp.GetRequiredService<MessageRegistry>(),
            sp));
        return new CephMessengerBuilder(services, name);
    }

    /// <summary>The messenger named <paramref name="name"/>.</summary>
    public static Messenger GetMessenger(this IServiceProvider services, string name) => services.GetRequiredKeyedService<Messenger>(name);
}

/// <summary>Configures one messenger after <c>AddCephMessenger</c>.</summary>
public interface ICephMessengerBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The messenger being configured.</summary>
    string Name { get; }

    /// <summary>Adds <typeparamref name="T"/> (a singleton) at the tail of this messenger's dispatchers.</summary>
    ICephMessengerBuilder AddDispatcher<T>() where T : class, IDispatcher;

    /// <summary>Adds <typeparamref name="T"/> (a singleton) at the head of this messenger's dispatchers.</summary>
    ICephMessengerBuilder AddDispatcherHead<T>() where T : class, IDispatcher;

    /// <summary>Adds another messenger (fluent).</summary>
    ICephMessengerBuilder AddCephMessenger(string name, Action<MessengerOptions>? configure = null);
}

internal sealed class CephMessengerBuilder(IServiceCollection services, string name) : ICephMessengerBuilder
{
    public IServiceCollection Services => services;

    public string Name => name;

    public ICephMessengerBuilder AddDispatcher<T>() where T : class, IDispatcher => Add<T>(head: false);

    public ICephMessengerBuilder AddDispatcherHead<T>() where T : class, IDispatcher => Add<T>(head: true);

    public ICephMessengerBuilder AddCephMessenger(string other, Action<MessengerOptions>? configure = null) => services.AddCephMessenger(other, configure);

    private CephMessengerBuilder Add<T>(bool head) where T : class, IDispatcher
    {
        services.TryAddSingleton<T>();
        services.AddSingleton(new DispatcherRegistration(_ => name, sp => sp.GetRequiredService<T>(), head));
        return this;
    }
}

internal sealed record MessengerRegistration(string Name);

/// <summary>A dispatcher for the messenger <see cref="Messenger"/> names (resolved at start, so options may name it).</summary>
internal sealed record DispatcherRegistration(Func<IServiceProvider, string> Messenger, Func<IServiceProvider, IDispatcher> Create, bool Head);
