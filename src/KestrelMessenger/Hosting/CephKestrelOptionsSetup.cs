using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Hosting;

/// <summary>Adds a Kestrel endpoint, with the msgr2 chain, for every address each messenger binds.</summary>
internal sealed class CephKestrelOptionsSetup(IServiceProvider services, IEnumerable<MessengerRegistration> messengers) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        foreach (MessengerRegistration registration in messengers)
        {
            Messenger messenger = services.GetRequiredKeyedService<Messenger>(registration.Name);
            foreach (var endPoint in messenger.BindEndPoints)
            {
                options.Listen(endPoint, listen => messenger.UseOn(listen, () => listen.EndPoint));
            }
        }
    }
}
