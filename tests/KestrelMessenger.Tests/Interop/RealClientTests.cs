using System.Diagnostics;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Interop;

/// <summary>The real `ceph` CLI (librados' MonClient, Ceph 16.2) talking to a messenger of ours that serves as mon.0.</summary>
[Collection(CephCluster.Name)]
public class RealClientTests
{
    [Fact]
    public async Task The_ceph_cli_completes_the_handshake_and_its_first_messages_decode()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("mon", o =>
            {
                o.Entity = "mon.0";
                o.Nonce = 0; // monitors' addresses carry nonce 0, and clients dial exactly that
                o.BindTo("v2:127.0.0.1:0");
            }).AddDispatcher<RecordingDispatcher>());
        EntityAddr us = host.Messenger("mon").MyAddrs[0];
        RecordingDispatcher recorder = host.Get<RecordingDispatcher>();

        using Process cli = StartCeph(us);
        try
        {
            IConnection client = await recorder.WaitForEventAsync("accept", TimeSpan.FromSeconds(30));
            HandshakeResult handshake = ((Connections.MessengerConnection)client).Handshake!;
            Assert.Equal(EntityType.Client, client.PeerName.Type);
            Assert.Equal(CephFeatures.All, handshake.PeerFeatures);
            Assert.Equal(AuthEntityName.Parse("client.admin"), handshake.PeerAuthName);
            Assert.True(handshake.GlobalId > 0, "we assigned a global id in monitor mode");

            MMonGetMap getMap = await recorder.WaitForAsync<MMonGetMap>(TimeSpan.FromSeconds(30));
            Assert.Equal((1ul, client.PeerName), (getMap.Seq, getMap.Source));

            MMonSubscribe subscribe = await recorder.WaitForAsync<MMonSubscribe>(TimeSpan.FromSeconds(30));
            Assert.Contains("monmap", subscribe.What.Keys);
            Assert.Equal(EntityType.Client, subscribe.Source.Type);
            Assert.Same(client, subscribe.Connection);
        }
        finally
        {
            cli.Kill(entireProcessTree: true);
            await cli.WaitForExitAsync();
        }
    }

    internal static Process StartCeph(EntityAddr mon)
    {
        var start = new ProcessStartInfo("ceph",
        [
            "-c", "/dev/null", "--mon-host", $"v2:{mon.EndPoint}", "--auth-client-required", "none",
            "--connect-timeout", "15", "-s",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start ceph (is ceph-common installed? ./test.sh installs it)");
    }
}
