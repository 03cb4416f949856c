using KestrelMessenger.Config;
using KestrelMessenger.Mon;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Hosting;

/// <summary>Registers the process's auth: who it is and its key, shared by all of its messengers.</summary>
public static class CephAuthServiceCollectionExtensions
{
    /// <summary>
    /// The process authenticates as <paramref name="name"/>: with cephx when <paramref name="key"/> is
    /// given (and auth none where the options allow it), with auth none only otherwise. Every messenger
    /// of the process uses it as its <see cref="IAuthClient"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">Who the process is.</param>
    /// <param name="key">Its cephx key, or null for auth none.</param>
    /// <param name="serviceTicketTtl"><c>auth_service_ticket_ttl</c>: how long the monitors' rotating secrets live (Ceph's default, 1 h, when null).</param>
    public static IServiceCollection AddCephAuth(this IServiceCollection services, AuthEntityName name, CryptoKey? key, TimeSpan? serviceTicketTtl = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // A daemon verifies its clients' tickets with the rotating secrets of its service, which the
        // monitors hand it (CephxKeeper fetches them); a client has none to keep.
        RotatingKeyring? rotating = key is not null && name.Type is EntityType.Osd or EntityType.Mds or EntityType.Mgr
            ? new RotatingKeyring(name.Type)
            : null;
        CephxClient? cephx = key is null ? null : new CephxClient(name, key, rotatingKeyring: rotating);
        services.TryAddSingleton(new CephAuthClient(name, cephx));
        services.TryAddSingleton<IAuthClient>(sp => sp.GetRequiredService<CephAuthClient>());
        if (cephx is not null)
        {
            services.TryAddSingleton(cephx);
            services.TryAddSingleton(sp => new CephxKeeper(cephx, rotating, sp.GetRequiredService<ILoggerFactory>().CreateLogger("KestrelMessenger.Cephx"), serviceTicketTtl));
        }

        if (rotating is not null)
        {
            services.TryAddSingleton(rotating);
            services.TryAddSingleton(new CephAuthServer(new CephxAuthorizerVerifier(rotating)) { Service = EntityTypes.Name(name.Type) });
            services.TryAddSingleton<IAuthServer>(sp => sp.GetRequiredService<CephAuthServer>());
        }

        return services;
    }

    /// <summary>
    /// The process authenticates as Ceph's tools would with these settings (<c>-n</c>, <c>-k</c>,
    /// <c>--key</c>, the conf's <c>keyring</c>): its name and the key the keyring holds for it.
    /// </summary>
    /// <exception cref="CephConfigException">No keyring is found, or it has no key for the name.</exception>
    public static IServiceCollection AddCephAuth(this IServiceCollection services, CephClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Keyring keyring = settings.LoadKeyring(settings.LoadConf());
        CryptoKey key = keyring[settings.Name]?.Key
            ?? throw new CephConfigException($"the keyring {keyring.FilePath ?? ""} has no key for {settings.Name}");
        return services.AddCephAuth(settings.Name, key);
    }
}
