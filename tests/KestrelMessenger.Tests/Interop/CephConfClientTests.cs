using KestrelMessenger.Config;
using KestrelMessenger.Hosting;
using KestrelMessenger.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Tests.Interop;

/// <summary>A user points the library at a ceph.conf and a keyring, exactly as `ceph -c … -k …` takes them.</summary>
[Collection(CephxCluster.Name)]
public class CephConfClientTests(CephxClusterFixture cluster)
{
    [Fact]
    public async Task A_client_configured_from_ceph_conf_and_a_keyring_joins_the_cephx_cluster()
    {
        string conf = Path.Combine(cluster.Directory, "ceph.conf");
        CephClientSettings me = CephArgs.Parse(["-c", conf, "-k", cluster.Keyring!, "-n", "client.admin"], new Dictionary<string, string?>());

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddCephConf(conf, "client.admin");
        builder.Services.AddCephAuth(me);
        builder.Services.AddCephMessenger("client", o => o.Entity = "client.-1");
        builder.Services.AddCephMonClient(o => o.Messenger = "client"); // the monitors: the conf's mon_host
        await using WebApplication app = builder.Build();
        await app.StartAsync();

        MonClient monc = app.Services.GetRequiredService<MonClient>();
        await monc.WaitForSessionAsync(TimeSpan.FromSeconds(30));
        MonCommandResult fsid = await monc.CommandAsync("""{"prefix":"fsid","format":"json"}""");

        Assert.Equal(0, fsid.Result);
        Assert.Contains(cluster.Fsid.ToString(), fsid.OutputText);
        HandshakeResult session = monc.Session!.Handshake!;
        Assert.Equal((AuthMethod.Cephx, ConnectionMode.Secure), (session.Auth.Method, session.Mode)); // ms_mon_client_mode's default
        Assert.Equal(new EntityName(EntityType.Client, (long)session.GlobalId), app.Services.GetMessenger("client").MyName);
        await app.StopAsync();
    }
}
