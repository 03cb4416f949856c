using System.Globalization;
using System.Net;
using KestrelMessenger.Hosting;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Limits.Server;

/// <summary>
/// The server process: one Kestrel host on 127.0.0.1:PORT running either the raw echo handler or a
/// messenger (<c>osd.0</c>). It prints <c>LISTENING</c> once bound and runs until SIGTERM or Ctrl+C.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Exit code when the port is taken: the script picks another and tries again.</summary>
    public const int PortInUse = 4;

    public static async Task<int> RunAsync(ServeOptions options)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(4)); // gone before limits.sh KILLs (5 s after TERM)
        using AllocationSampler? sampler = options.AllocTypes ? new AllocationSampler() : null;
        builder.Services.AddSingleton(new ServerCounters(sampler));
        if (options.Kind == ServerKind.Echo)
        {
            // On the messenger's own socket transport (its 64 KiB block pool), registered after Kestrel's so
            // Kestrel binds with it: the echo then runs on exactly the sockets and pipes the messenger does,
            // and the ratios measure what msgr2 adds, not a different memory pool.
            builder.Services.AddSingleton<IConnectionListenerFactory>(sp =>
                new KestrelMessenger.Transport.SocketMessengerTransport(sp.GetRequiredService<ILoggerFactory>()).Listeners);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port, l => l.UseConnectionHandler<EchoConnectionHandler>()));
        }
        else
        {
            if (options.Kind == ServerKind.Secure)
            {
                AddOsdCephx(builder.Services, SecretsFile.Read(options.Secrets!));
            }

            builder.Services.AddCephMessenger("server", o =>
            {
                o.Entity = "osd.0";
                o.Nonce = LimitsMessages.ServerNonce;
                o.BindTo(string.Create(CultureInfo.InvariantCulture, $"v2:127.0.0.1:{options.Port}"));
            }).AddDispatcher<ServerDispatcher>();
        }

        await using WebApplication app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch (IOException e) when (IsAddressInUse(e))
        {
            Console.Error.WriteLine($"error: 127.0.0.1:{options.Port} is in use");
            return PortInUse;
        }

        Console.WriteLine($"LISTENING 127.0.0.1:{options.Port} {options.Kind.Name()}");
        await app.WaitForShutdownAsync();
        ServerCounters counters = app.Services.GetRequiredService<ServerCounters>();
        foreach (string line in counters.AllocationReport())
        {
            Console.WriteLine($"server {line}");
        }

        Console.WriteLine($"STOPPED after {counters.Messages} requests");
        return 0;
    }

    /// <summary>Kestrel and the messenger's listener both wrap Kestrel's <see cref="AddressInUseException"/>, at different depths.</summary>
    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AddressInUseException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Verifies tickets as an OSD does, with the rotating OSD secrets a monitor would have handed it, and
    /// accepts clients only with cephx and only in secure mode: a run that negotiated anything else fails.
    /// </summary>
    private static void AddOsdCephx(IServiceCollection services, RotatingSecrets secrets)
    {
        var keyring = new RotatingKeyring(EntityType.Osd, secrets);
        services.AddSingleton<IAuthServer>(new CephAuthServer(new CephxAuthorizerVerifier(keyring)) { Service = "osd" });
        services.Configure<AuthOptions>(o =>
        {
            o.AuthServiceRequired = "cephx";
            o.ServiceMode = "secure";
        });
    }
}
