using KestrelMessenger.Protocol.Auth;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Tests.Integration;

/// <summary>AddCephMessenger as an ASP.NET Core user meets it: binding, configuration, validation, metrics.</summary>
public class HostingTests
{
    [Fact]
    public async Task A_port_range_binds_the_first_free_port()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int busy = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s => s.AddCephMessenger("public", o =>
        {
            o.Entity = "osd.1";
            o.BindPortMin = busy;
            o.BindPortMax = busy + 50;
            o.BindTo("127.0.0.1");
        }));

        EntityAddr bound = Assert.Single(host.Messenger("public").MyAddrs);
        Assert.InRange(bound.EndPoint!.Port, busy + 1, busy + 50);
        Assert.Equal(host.Messenger("public").Nonce, bound.Nonce);
    }

    [Fact]
    public async Task A_failed_bind_stops_host_start_naming_the_messenger_and_range()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int busy = ((IPEndPoint)taken.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<IOException>(() => MessengerTestHost.StartAsync(TransportKind.Tcp, s => s.AddCephMessenger("cluster", o =>
        {
            o.Entity = "osd.1";
            o.BindPortMin = busy;
            o.BindPortMax = busy;
            o.BindTo("127.0.0.1");
        })));
        Assert.Contains($"messenger 'cluster' could not bind 127.0.0.1 to any port in {busy}..{busy}", e.Message);
    }

    [Fact]
    public async Task Options_bind_from_configuration_and_bad_ones_fail_at_start()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ceph:Messengers:public:Entity"] = "osd.7",
            ["Ceph:Messengers:public:Bind:0"] = "v2:127.0.0.1:0",
            ["Ceph:Messengers:public:HandshakeTimeout"] = "00:00:03",
            ["Ceph:Messengers:broken:Entity"] = "nonsense",
        });
        builder.Services.AddCephMessenger("public");
        builder.Services.AddCephMessenger("broken");

        // The host refuses to come up, naming the messenger and the problem (Kestrel's endpoint setup resolves
        // the options while the app is built, so the failure can surface there or at start).
        var e = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using WebApplication app = builder.Build();
            await app.StartAsync();
        });
        Assert.Contains("messenger 'broken': Entity 'nonsense' is not of the form type.number", e.Message);

        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(builder.Configuration)
            .AddCephMessenger("public").Services.BuildServiceProvider();
        MessengerOptions options = services.GetRequiredService<IOptionsMonitor<MessengerOptions>>().Get("public");
        Assert.Equal(("osd.7", "v2:127.0.0.1:0", TimeSpan.FromSeconds(3)), (options.Entity, options.Bind.Single(), options.HandshakeTimeout));
    }

    [Fact]
    public void Auth_options_bind_from_the_ceph_section_with_cephs_own_key_names()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ceph:ms_cluster_mode"] = "secure",
            ["Ceph:ms_service_mode"] = "secure crc",
            ["Ceph:auth_service_required"] = "none",
            ["Ceph:Messengers:cluster:Entity"] = "osd.3",
        }).Build();
        ServiceProvider services = new ServiceCollection()
            .AddSingleton(configuration)
            .AddLogging()
            .AddCephMessenger("cluster").Services.BuildServiceProvider();

        Messenger cluster = services.GetMessenger("cluster");

        Assert.Equal([ConnectionMode.Crc], cluster.AuthRegistry.Modes(EntityType.Client, AuthMethod.None)); // none: crc only
        Assert.Equal([AuthMethod.None], cluster.AuthRegistry.Methods(EntityType.Client));
        Assert.Empty(cluster.AuthRegistry.Modes(EntityType.Osd, AuthMethod.None)); // ms_cluster_mode = secure, and none cannot do secure
    }

    [Fact]
    public void A_messenger_told_to_require_cephx_without_a_key_refuses_to_start()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ceph:auth_cluster_required"] = "cephx",
        }).Build();
        ServiceProvider services = new ServiceCollection()
            .AddSingleton(configuration)
            .AddLogging()
            .AddCephMessenger("cluster", o => o.Entity = "osd.3").Services.BuildServiceProvider();

        var e = Assert.Throws<ArgumentException>(() => services.GetMessenger("cluster"));
        Assert.Contains("messenger 'cluster': auth_cluster_required = cephx, but this process can speak only none", e.Message);
    }

    [Fact]
    public async Task Auth_methods_we_do_not_offer_get_auth_bad_method_with_what_is_allowed()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s =>
            s.AddCephMessenger("osd", o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); }));
        EntityAddr server = host.Messenger("osd").MyAddrs[0];
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(server.EndPoint!);
        await peer.SendAsync([.. RawMsgr2Peer.BannerBytes(), .. RawMsgr2Peer.FrameBytes(new HelloFrame(EntityType.Client, server))]);
        await peer.ReadBannerAsync();
        (await peer.ReadFrameAsync()).As<HelloFrame>();

        // cephx with secure then crc, as a stock client offers a monitor.
        await peer.SendAsync(RawMsgr2Peer.FrameBytes(new AuthRequestFrame(AuthMethod.Cephx, [2, 1], new byte[] { 10 })));
        AuthBadMethodFrame refusal = (await peer.ReadFrameAsync()).As<AuthBadMethodFrame>();
        Assert.Equal((AuthMethod.Cephx, -95), (refusal.Method, refusal.Result));
        Assert.Equal([AuthMethod.None], refusal.AllowedMethods);
        Assert.Equal([(uint)ConnectionMode.Crc], refusal.AllowedModes);

        // Auth none asking only for secure mode is refused too: without a key only crc is possible.
        await peer.SendAsync(RawMsgr2Peer.FrameBytes(new AuthRequestFrame(AuthMethod.None, [2], new byte[] { 1 })));
        Assert.Equal(AuthMethod.None, (await peer.ReadFrameAsync()).As<AuthBadMethodFrame>().Method);
    }

    [Fact]
    public async Task A_lossless_session_acknowledges_received_messages_with_ack_frames()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s =>
            s.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                o.Policies[EntityType.Client] = KestrelMessenger.Protocol.Policy.LosslessClient();
            }).AddDispatcher<RecordingDispatcher>());
        EntityAddr server = host.Messenger("osd").MyAddrs[0];
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(server.EndPoint!);
        ServerIdentFrame ident = await peer.HandshakeAsync(server, lossy: false);
        Assert.Equal(0ul, ident.Flags & IdentFlags.Lossy);
        Assert.NotEqual(0ul, ident.ServerCookie);

        await peer.SendAsync([.. RawMsgr2Peer.MessageBytes(0x7000, 1, [1]), .. RawMsgr2Peer.MessageBytes(0x7000, 2, [2])]);
        ulong acked = 0;
        while (acked < 2)
        {
            acked = (await peer.ReadFrameAsync().WaitAsync(TimeSpan.FromSeconds(10))).As<AckFrame>().Seq;
        }

        Assert.Equal(2ul, acked);
    }

    [Fact]
    public async Task Fast_dispatch_takes_messages_inline_and_the_rest_go_through_the_queue()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Memory, s =>
        {
            s.AddCephMessenger("osd", o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); })
                .AddDispatcher<RecordingDispatcher>()
                .AddDispatcherHead<PingFastPath>();
            s.AddCephMessenger("client");
        });
        IConnection c = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        c.SendMessage(new MPing());
        c.SendMessage(new Message(0x7000));
        await host.Get<RecordingDispatcher>().WaitForMessagesAsync(1);
        await host.Get<PingFastPath>().Seen.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0x7000, Assert.Single(host.Get<RecordingDispatcher>().Messages).Type);
    }

    [Fact]
    public async Task Metrics_count_connections_messages_bytes_and_handshake_time()
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MessengerMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        // Other tests measure in parallel: count only this test's messengers, known by their names.
        string osdName = $"metrics-osd-{Guid.NewGuid():N}", clientName = $"metrics-client-{Guid.NewGuid():N}";
        bool Ours(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "messenger" && (Equals(tag.Value, osdName) || Equals(tag.Value, clientName)))
                {
                    return true;
                }
            }

            return false;
        }

        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            if (Ours(tags))
            {
                seen.AddOrUpdate(i.Name, v, (_, old) => old + v);
            }
        });
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
        {
            if (Ours(tags))
            {
                seen.AddOrUpdate(i.Name, v, (_, old) => old + v);
            }
        });
        listener.Start();

        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Memory, s =>
        {
            s.AddCephMessenger(osdName, o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); }).AddDispatcher<RecordingDispatcher>();
            s.AddCephMessenger(clientName);
        });
        IConnection c = host.Messenger(clientName).ConnectTo(EntityType.Osd, host.Messenger(osdName).MyAddrs);
        c.SendMessage(new Message(0x7000) { Data = MessageBuffer.CopyOf(new byte[1000]) });
        await host.Get<RecordingDispatcher>().WaitForMessagesAsync(1);

        Assert.Equal(2, seen["ceph.messenger.connections.opened"]);
        Assert.Equal(1, seen["ceph.messenger.messages.received"]);
        Assert.True(seen["ceph.messenger.bytes.received"] > 1000);
        Assert.True(seen["ceph.messenger.handshake.duration"] > 0);
    }

    public sealed class PingFastPath : IDispatcher
    {
        public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

        public bool CanFastDispatch(Message message) => message.Type == MessageTypes.Ping;

        public void FastDispatch(Message message) => Seen.TrySetResult();
    }
}
