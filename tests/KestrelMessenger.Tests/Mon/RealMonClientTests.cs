using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Mon;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Mon;

/// <summary>The library MonClient against the real Ceph 16.2 ceph-mon of the test cluster (auth none).</summary>
[Collection(CephCluster.Name)]
public class RealMonClientTests(CephClusterFixture mon)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Task<MessengerTestHost> StartAsync(Action<MonClientOptions>? configure = null) =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("client", o => o.Entity = "client.-1");
            services.AddCephMonClient(o =>
            {
                o.Messenger = "client";
                o.MonHost = [$"v2:127.0.0.1:{mon.Port}"];
                o.HuntInterval = TimeSpan.FromSeconds(0.5);
                o.PingInterval = TimeSpan.FromSeconds(1);
                configure?.Invoke(o);
            });
        });

    [Fact]
    public async Task Finds_a_session_learns_the_monmap_and_takes_its_global_id()
    {
        await using MessengerTestHost host = await StartAsync();
        MonClient monc = host.Get<MonClient>();
        await monc.WaitForSessionAsync(Patience);

        Assert.True(monc.IsConnected);
        Assert.Equal(mon.Fsid, monc.Fsid);
        Assert.Equal(mon.MonMapEpoch, monc.MonMap!.Epoch);
        MonInfo a = Assert.Single(monc.MonMap.Monitors);
        Assert.Equal("a", a.Name);
        Assert.Equal($"v2:127.0.0.1:{mon.Port}/0", a.Addrs.ToString());
        Assert.True(monc.GlobalId > 0, "the monitor's AUTH_DONE gives a global id");
        Assert.Equal(monc.Session!.Handshake!.GlobalId, monc.GlobalId);
        Assert.Equal(EntityName.Client((long)monc.GlobalId), host.Messenger("client").MyName); // as librados names itself
        Assert.Equal(1ul + mon.MonMapEpoch, monc.Subscriptions["monmap"].Start); // sub_got the monmap: a new session wants only newer
        Assert.Single(host.Logs.Lines, l => l.Contains("monitor session with", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_monmap_subscription_delivers_the_real_monitors_monmap()
    {
        await using MessengerTestHost host = await StartAsync(o => o.StartWithHost = false);
        MonClient monc = host.Get<MonClient>();
        var maps = new ConcurrentQueue<(Guid Fsid, uint Epoch, EntityName From)>();
        using IDisposable subscription = monc.Subscribe("monmap", m => maps.Enqueue((((MMonMap)m).Fsid, ((MMonMap)m).Epoch, m.Source)));
        await monc.StartAsync();

        await Eventually.UntilAsync(() => !maps.IsEmpty, Patience, () => "no monmap was delivered");
        Assert.Equal((mon.Fsid, mon.MonMapEpoch, EntityName.Mon(0)), maps.First());
    }

    [Fact]
    public async Task A_one_time_osdmap_subscription_delivers_one_raw_osdmap_then_ends()
    {
        await using MessengerTestHost host = await StartAsync();
        MonClient monc = host.Get<MonClient>();
        await monc.WaitForSessionAsync(Patience);
        var maps = new ConcurrentQueue<(ushort Type, int Front)>();
        using IDisposable subscription = monc.Subscribe("osdmap", m => maps.Enqueue((m.Type, m.Front.Length)), onetime: true);

        await Eventually.UntilAsync(() => !maps.IsEmpty, Patience, () => "no osdmap was delivered");
        (ushort type, int front) = maps.First();
        Assert.Equal(MessageTypes.OsdMap, type);
        Assert.True(front > 16, "an MOSDMap carries the fsid and at least one map");
        Assert.False(monc.Subscriptions.ContainsKey("osdmap")); // one-time: done
    }

    [Fact]
    public async Task Get_version_answers_the_osdmap_epoch_the_cli_reports()
    {
        await using MessengerTestHost host = await StartAsync();
        MonClient monc = host.Get<MonClient>();
        MonMapVersion version = await monc.GetVersionAsync("osdmap").WaitAsync(Patience); // waits for the session itself

        using JsonDocument dump = JsonDocument.Parse(await mon.CephAsync("osd", "dump", "-f", "json"));
        ulong epoch = dump.RootElement.GetProperty("epoch").GetUInt64();
        Assert.InRange(version.Newest, 1ul, epoch);
        Assert.InRange(version.Oldest, 1ul, version.Newest);
    }

    [Fact]
    public async Task A_status_command_returns_the_clusters_json()
    {
        await using MessengerTestHost host = await StartAsync();
        MonCommandResult result = await host.Get<MonClient>().CommandAsync("""{"prefix":"status","format":"json"}""").WaitAsync(Patience);

        Assert.Equal(0, result.Result);
        using JsonDocument status = JsonDocument.Parse(result.Output);
        Assert.Equal(mon.Fsid, status.RootElement.GetProperty("fsid").GetGuid());
        Assert.Equal(["a"], status.RootElement.GetProperty("quorum_names").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task A_bad_command_returns_cephs_einval_and_its_status_text()
    {
        await using MessengerTestHost host = await StartAsync();
        MonCommandResult result = await host.Get<MonClient>().CommandAsync("""{"prefix":"no such command","format":"json"}""").WaitAsync(Patience);

        Assert.Equal(Errno.EINVAL, result.Result);
        Assert.False(result.Succeeded);
        Assert.Contains("command not known", result.Status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_gets_no_answer_ends_with_etimedout()
    {
        int closed = ClosedPort();
        await using MessengerTestHost host = await StartAsync(o => o.MonHost = [$"v2:127.0.0.1:{closed}"]);
        MonCommandResult result = await host.Get<MonClient>()
            .CommandAsync(["""{"prefix":"status"}"""], ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(1)).WaitAsync(Patience);
        Assert.Equal((Errno.ETIMEDOUT, "timed out"), (result.Result, result.Status));
    }

    [Fact]
    public async Task No_monitor_within_the_mount_timeout_is_etimedout_naming_each_monitors_failure()
    {
        int closed = ClosedPort();
        await using MessengerTestHost host = await StartAsync(o => o.MonHost = [$"v2:127.0.0.1:{closed}"]);
        MonClientException e = await Assert.ThrowsAsync<MonClientException>(() => host.Get<MonClient>().WaitForSessionAsync(TimeSpan.FromSeconds(2)));

        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        Assert.StartsWith("no monitor answered within 2 s (client_mount_timeout)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"v2:127.0.0.1:{closed}/0: connection refused", e.Message, StringComparison.Ordinal);
        Assert.Single(host.Logs.Lines, l => l.Contains("no monitor answers yet", StringComparison.Ordinal)); // the state change, once
        Assert.True(host.Logs.Lines.Count(l => l.Contains("hunt attempt", StringComparison.Ordinal)) >= 2, "it hunted again");
    }

    [Fact]
    public async Task Among_a_dead_monitor_and_the_real_one_the_hunt_finds_the_real_one()
    {
        int closed = ClosedPort();
        await using MessengerTestHost host = await StartAsync(o =>
        {
            o.MonHost = [$"v2:127.0.0.1:{closed}", $"v2:127.0.0.1:{mon.Port}"];
            o.HuntParallel = 1; // one at a time: the dead one may well be tried first
        });
        MonClient monc = host.Get<MonClient>();
        await monc.WaitForSessionAsync(Patience);

        Assert.Equal($"v2:127.0.0.1:{mon.Port}/0", monc.Session!.PeerAddrs.Msgr2!.ToString());
        Assert.Equal([$"v2:127.0.0.1:{mon.Port}/0"], monc.Monitors.Select(m => m.ToString())); // the monmap replaced mon_host
    }

    [Fact]
    public async Task When_its_monitor_restarts_the_client_hunts_again_resubscribes_and_resends_a_pending_command()
    {
        await using MessengerTestHost host = await StartAsync();
        MonClient monc = host.Get<MonClient>();
        await monc.WaitForSessionAsync(Patience);
        IConnection first = monc.Session!;
        var sessions = new ConcurrentQueue<IConnection>();
        monc.SessionEstablished += sessions.Enqueue;
        var osdmaps = new ConcurrentQueue<ushort>();
        using IDisposable sub = monc.Subscribe("osdmap", m => osdmaps.Enqueue(m.Type)); // continuous, from the current epoch
        await Eventually.UntilAsync(() => !osdmaps.IsEmpty, Patience, () => "no osdmap was delivered");
        osdmaps.Clear();

        Task<MonCommandResult> pending;
        await mon.StopMonitorAsync();
        try
        {
            await Eventually.UntilAsync(() => !monc.IsConnected, Patience, () => "the client never noticed its monitor was gone");
            pending = monc.CommandAsync(["""{"prefix":"mon dump","format":"json"}"""], ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2)); // a few hunt attempts against nobody
            Assert.False(pending.IsCompleted);
        }
        finally
        {
            await mon.StartMonitorAsync();
        }

        MonCommandResult result = await pending.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, result.Result);
        using JsonDocument dump = JsonDocument.Parse(result.Output);
        Assert.Equal(mon.Fsid, dump.RootElement.GetProperty("fsid").GetGuid());

        IConnection second = Assert.Single(sessions);
        Assert.NotSame(first, second);
        Assert.Same(second, monc.Session);
        await Eventually.UntilAsync(() => !osdmaps.IsEmpty, Patience, () => "the osdmap subscription was not renewed on the new session");
        Assert.Single(host.Logs.Lines, l => l.Contains("monitor session lost", StringComparison.Ordinal));
        Assert.Equal(2, host.Logs.Lines.Count(l => l.Contains("monitor session with", StringComparison.Ordinal)));
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port; // nothing listens there once the probe is gone
    }
}
