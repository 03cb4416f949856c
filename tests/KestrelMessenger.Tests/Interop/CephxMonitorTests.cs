using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelMessenger.Tests.Interop;

/// <summary>
/// Our messenger in a cluster configured as Ceph ships it, cephx required everywhere: a real Ceph 16.2
/// monitor and ceph-osd on loopback.
/// </summary>
[Collection(CephxCluster.Name)]
public class CephxMonitorTests(CephxClusterFixture cluster)
{
    private static readonly AuthEntityName Admin = AuthEntityName.Parse("client.admin");

    private EntityAddr Mon => EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0");

    private Task<MessengerTestHost> ClientAsync(CryptoKey key, AuthEntityName? name = null, string? monMode = null, string? clientMode = null) =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephAuth(name ?? Admin, key);
            services.Configure<AuthOptions>(o =>
            {
                o.MonClientMode = monMode ?? o.MonClientMode;
                o.ClientMode = clientMode ?? o.ClientMode;
            });
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
        });

    [Theory]
    [InlineData("secure crc", ConnectionMode.Secure)] // Ceph's default towards monitors
    [InlineData("crc", ConnectionMode.Crc)]
    public async Task Client_admin_logs_in_gets_its_global_id_a_monmap_and_runs_a_command(string monMode, ConnectionMode expected)
    {
        await using MessengerTestHost host = await ClientAsync(cluster.AdminKey, monMode: monMode);
        RecordingDispatcher recorder = host.Get<ClientRecorder>().Inner;

        IConnection connection = host.Messenger("client").ConnectTo(EntityType.Mon, Mon);
        await connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));

        HandshakeResult handshake = connection.Handshake!;
        Assert.Equal((AuthMethod.Cephx, expected), (handshake.Auth.Method, handshake.Mode));
        Assert.True(handshake.GlobalId > 0, "the monitor assigns a global id in AUTH_DONE");
        Assert.Equal(handshake.GlobalId, host.Get<CephAuthClient>().GlobalId);
        Assert.All(new[] { EntityType.Mon, EntityType.Osd, EntityType.Mgr }, service =>
            Assert.True(host.Get<CephxClient>().GetTicketStatus(service)?.HaveKey, $"a {service} ticket"));

        var subscribe = new MMonSubscribe { Hostname = Environment.MachineName };
        subscribe.What["monmap"] = new SubscribeItem(0, 0);
        connection.SendMessage(subscribe);
        MMonMap monmap = await recorder.WaitForAsync<MMonMap>();
        Assert.Equal(cluster.Fsid, monmap.Fsid);

        var command = new MMonCommand { Tid = 1, Fsid = cluster.Fsid };
        command.Command.Add("""{"prefix":"fsid","format":"json"}""");
        connection.SendMessage(command);
        MMonCommandAck ack = await recorder.WaitForAsync<MMonCommandAck>();
        Assert.Equal(0, ack.Result);
        Assert.Contains(cluster.Fsid.ToString(), ack.Output);
        for (int i = 0; i < 3; i++)
        {
            await connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_a_clear_reason()
    {
        await using MessengerTestHost host = await ClientAsync(CryptoKey.Generate(UTime.Now));

        IConnection connection = host.Messenger("client").ConnectTo(EntityType.Mon, Mon);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(FailureKind.AuthRefused, connection.Failure?.Kind);
        Assert.Contains("auth refused: cephx answered EACCES", connection.Failure!.Reason);
    }

    [Fact]
    public async Task An_entity_the_monitor_does_not_know_is_refused()
    {
        await using MessengerTestHost host = await ClientAsync(CryptoKey.Generate(UTime.Now), AuthEntityName.Parse("client.nobody"));

        IConnection connection = host.Messenger("client").ConnectTo(EntityType.Mon, Mon);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(FailureKind.AuthRefused, connection.Failure?.Kind);
        Assert.Contains("auth refused: cephx answered", connection.Failure!.Reason);
    }

    [Theory]
    [InlineData("secure", ConnectionMode.Secure)]
    [InlineData("crc", ConnectionMode.Crc)]
    public async Task With_a_ticket_from_the_monitor_our_client_reaches_the_real_osd_in_either_mode(string clientMode, ConnectionMode expected)
    {
        await using MessengerTestHost host = await ClientAsync(cluster.AdminKey, clientMode: clientMode);
        Messenger messenger = host.Messenger("client");
        IConnection mon = messenger.ConnectTo(EntityType.Mon, Mon);
        await mon.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));

        IConnection osd = messenger.ConnectTo(EntityType.Osd, cluster.OsdPublicAddrs);
        for (int i = 0; i < 3; i++)
        {
            await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Equal((AuthMethod.Cephx, expected), (osd.Handshake!.Auth.Method, osd.Handshake.Mode));
    }
}

/// <summary>A ticket that was tampered with is refused by the real daemons that check it.</summary>
[Collection(CephxCluster.Name)]
public class CephxTamperedTicketTests(CephxClusterFixture cluster)
{
    private Task<MessengerTestHost> AdminAsync() => MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
    {
        services.AddCephAuth(AuthEntityName.Parse("client.admin"), cluster.AdminKey);
        services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
    });

    [Fact]
    public async Task The_real_osd_refuses_a_tampered_service_ticket()
    {
        await using MessengerTestHost host = await AdminAsync();
        Messenger client = host.Messenger("client");
        await client.ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0")).PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(host.Get<CephxClient>().TamperWithTicket(EntityType.Osd));

        IConnection osd = client.ConnectTo(EntityType.Osd, cluster.OsdPublicAddrs);
        await Assert.ThrowsAnyAsync<Exception>(() => osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        // ceph-osd 16.2 drops the connection at the authorizer it cannot open rather than answer AUTH_BAD_METHOD.
        Assert.Null(osd.Handshake);
        Assert.Contains(osd.Failure?.Kind, new FailureKind?[] { FailureKind.AuthRefused, FailureKind.PeerClosed });
    }

    [Fact]
    public async Task The_real_monitor_refuses_service_tickets_asked_for_with_a_tampered_auth_ticket()
    {
        await using MessengerTestHost host = await AdminAsync();
        RecordingDispatcher recorder = host.Get<ClientRecorder>().Inner;
        IConnection mon = host.Messenger("client").ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0"));
        await mon.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        CephxClient cephx = host.Get<CephxClient>();
        Assert.True(cephx.TamperWithTicket(EntityType.Auth));

        mon.SendMessage(new MAuth { Protocol = AuthMethod.Cephx, Payload = cephx.BuildServiceTicketRequest((uint)EntityType.Osd)! });
        MAuthReply reply = await recorder.WaitForAsync<MAuthReply>();

        Assert.True(reply.Result < 0, $"the monitor answered {reply.Result}");
    }
}
