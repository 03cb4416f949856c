using System.Net;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// ceph-osd's main, on ASP.NET Core: create the seven messengers with Ceph's names and policies,
/// bind the server ones (a failed bind fails start), register the OSD as a dispatcher at the head,
/// start everything, then <c>osd->init()</c> (<see cref="OsdInit"/>), and wait.
/// </summary>
public static class OsdHost
{
    /// <summary>The messengers of one OSD, as ceph-osd names them.</summary>
    public static readonly string[] MessengerNames =
        ["public", "cluster", "hb_back_client", "hb_front_client", "hb_back_server", "hb_front_server", "objecter"];

    /// <summary>Builds (does not start) the host of one OSD.</summary>
    public static WebApplication Build(OsdOptions osd, OsdMap map, Action<WebApplicationBuilder>? customize = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(Options.Create(osd));
        builder.Services.AddSingleton(map);
        builder.Services.AddSingleton<ObjectStore>();
        builder.Services.AddSingleton<Osd>();
        builder.Services.AddSingleton<OsdMonClient>();
        builder.Services.AddSingleton<ClusterMap>();
        builder.Services.AddSingleton<FailureReports>();

        // Start failures are reported by the command line (one line for a refusal, see StartOutcome);
        // the host's own "failed to start" error would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        // The sample's own message types go through the library's public registry.
        builder.Services.AddSingleton(MessageRegistry.CreateDefault()
            .Register<MOsdRepOp>(MOsdRepOp.TypeId)
            .Register<MOsdRepOpReply>(MOsdRepOpReply.TypeId));

        string entity = $"osd.{osd.Id}";
        // cephx as ceph-osd does it: osd.N's key from its keyring, shared by all seven messengers; the
        // monitors' rotating OSD secrets verify clients and peers (CephxKeeper fetches them).
        CryptoKey? key = OsdKeys.Load(osd);
        if (key is not null)
        {
            builder.Services.AddCephAuth(AuthEntityName.Parse(entity), key, osd.ServiceTicketTtl);
        }

        builder.Services.Configure<AuthOptions>(a => OsdConfig.ApplyAuth(osd, a));
        OsdKeys.Validate(osd, key);
        uint nonce = osd.Nonce ?? (uint)Random.Shared.Next(1, int.MaxValue); // one nonce for all seven, like get_pid_nonce()
        OsdBindAddresses at = AddressPicker.Pick(osd); // public_addr / public_network / ms_bind_ipv6 …, as pick_addresses
        Action<MessengerOptions> common = o =>
        {
            o.Entity = entity;
            o.Nonce = nonce;
            o.BindPortMin = osd.BindPortMin;
            o.BindPortMax = osd.BindPortMax;
            o.InitialBackoff = osd.InitialBackoff;
            o.MaxBackoff = osd.MaxBackoff;
        };
        foreach (string name in MessengerNames)
        {
            // ms_inject_* apply to every messenger in Ceph; the sample can narrow them (--inject-on).
            builder.Services.Configure<MessengerOptions>(name, o => o.FaultInjection = osd.FaultInjectionMessengers.Contains(name) ? osd.FaultInjection : null);
        }

        // Messenger::create × 7, with the policies ceph_osd.cc gives them.
        builder.Services.AddCephMessenger("public", o =>
        {
            common(o);
            o.BindTo(Bind(at.Public, osd.PublicPort));
            o.DefaultPolicy = Policy.StatelessRegisteredServer();
            o.Policies[EntityType.Mon] = Policy.LossyClient();
            o.Policies[EntityType.Mgr] = Policy.LossyClient();
        }).AddDispatcherHead<Osd>();

        builder.Services.AddCephMessenger("cluster", o =>
        {
            common(o);
            o.BindTo(Bind(at.Cluster, osd.ClusterPort));
            o.DefaultPolicy = Policy.StatelessServer();
            o.Policies[EntityType.Mon] = Policy.LossyClient();
            o.Policies[EntityType.Osd] = Policy.LosslessPeer();
            o.Policies[EntityType.Client] = Policy.StatelessServer();
        }).AddDispatcherHead<Osd>();

        foreach (string client in new[] { "hb_back_client", "hb_front_client" })
        {
            builder.Services.AddCephMessenger(client, o =>
            {
                common(o);
                o.Policies[EntityType.Osd] = Policy.LossyClient();
            }).AddDispatcher<HeartbeatMonitor>();
        }

        builder.Services.AddCephMessenger("hb_back_server", o =>
        {
            common(o);
            o.BindTo(Bind(new IPEndPoint(at.Cluster.Address, 0), osd.HeartbeatBackPort));
            o.Policies[EntityType.Osd] = Policy.StatelessServer();
        }).AddDispatcher<HeartbeatResponder>();

        builder.Services.AddCephMessenger("hb_front_server", o =>
        {
            common(o);
            o.BindTo(Bind(new IPEndPoint(at.Public.Address, 0), osd.HeartbeatFrontPort));
            o.Policies[EntityType.Osd] = Policy.StatelessServer();
        }).AddDispatcher<HeartbeatResponder>();

        builder.Services.AddCephMessenger("objecter", o =>
        {
            common(o);
            o.DefaultPolicy = Policy.LossyClient();
        });

        // The process's MonClient, over the public messenger (as ceph-osd's monc); OsdInit starts it at boot.
        builder.Services.AddCephMonClient(o =>
        {
            o.Messenger = "public";
            o.MonHost = [.. MonClientOptions.ParseMonHost(osd.MonHost).Select(v => v.ToString())];
            o.HuntInterval = osd.MonHuntInterval;
            o.HuntIntervalBackoff = osd.MonHuntBackoff;
            o.HuntIntervalMaxMultiple = osd.MonHuntMaxMultiple;
            o.HuntParallel = osd.MonHuntParallel;
            o.PingInterval = osd.MonPingInterval;
            o.PingTimeout = osd.MonPingTimeout;
            o.MountTimeout = osd.MonConnectTimeout;
            o.StartWithHost = false;
        });

        // osd->init() runs once every messenger is started and bound.
        builder.Services.AddHostedService<OsdInit>();
        customize?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>
    /// What a messenger binds: an exact port from the command line wins, then the configured address's
    /// port; port 0 leaves a bare IP, which walks ms_bind_port_min..max.
    /// </summary>
    private static string Bind(IPEndPoint at, int exactPort)
    {
        int port = exactPort != 0 ? exactPort : at.Port;
        string ip = at.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{at.Address}]" : at.Address.ToString();
        return port == 0 ? ip : $"v2:{ip}:{port}";
    }
}
