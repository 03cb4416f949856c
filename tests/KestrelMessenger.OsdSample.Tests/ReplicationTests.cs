using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using KestrelMessenger.Connections;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// Replication over the cluster messenger's lossless sessions: what a client was told succeeded is on the
/// primary and its replica, whatever the cluster network does; a write that fails is applied nowhere.
/// </summary>
public class ReplicationTests
{
    private const int EINVAL = -22;

    // Quick reconnects, and a replica wait longer than a lossless session takes to come back from a fault.
    private static LocalCluster Create(TransportKind transport, out IMessengerTransport clientTransport, Action<int, OsdOptions>? tune = null, Action<int, WebApplicationBuilder>? customize = null) =>
        Clusters.Create(transport, out clientTransport, tune: (id, o) =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(20);
            o.MaxBackoff = TimeSpan.FromMilliseconds(300);
            o.ReplicationTimeout = TimeSpan.FromSeconds(30);
            tune?.Invoke(id, o);
        }, customize: customize);

    [Theory]
    [MemberData(nameof(Clusters.Transports), MemberType = typeof(Clusters))]
    public async Task Under_injected_cluster_network_faults_every_write_succeeds_and_is_on_its_primary_and_replica(TransportKind kind)
    {
        long injected = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == MessengerMetrics.MeterName && i.Name == "ceph.messenger.sockets.injected_failures")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref injected, v));
        listener.Start();

        // ms_inject_socket_failures on the cluster messenger only: replication suffers, clients and heartbeats do not.
        await using LocalCluster cluster = Create(kind, out IMessengerTransport transport, (_, o) =>
        {
            o.FaultInjection.SocketFailures = 40;
            o.FaultInjection.Seed = 2026;
            OsdConfig.InjectOn(o, "cluster");
        });
        for (int id = 0; id < 3; id++)
        {
            await cluster.StartAsync(id);
        }

        await using var client = new OsdClient(transport);
        const int Objects = 600;
        var written = new ConcurrentDictionary<string, byte[]>();
        var results = new ConcurrentBag<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            string name = $"obj{i}";
            byte[] data = new byte[1 + Random.Shared.Next(4096)];
            Random.Shared.NextBytes(data);
            MOSDOpReply reply;
            try
            {
                // A busy machine and a fault every few dozen socket operations can make one write slow: a minute,
                // not the usual 15 s, before it counts as stuck (its replica wait alone may take 30 s).
                reply = await client.SendAsync(cluster.Map.PrimaryFor(name), client.Request(name, OsdClient.Write(0, data)), TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{name} got no reply; the cluster sessions: {Sessions(cluster)}");
            }

            results.Add(reply.Result);
            written[name] = data;
        });

        Assert.All(results, r => Assert.Equal(0, r)); // no -EIO, no -EAGAIN: a fault on the way is the session's to survive
        foreach ((string name, byte[] data) in written)
        {
            OsdInfo primary = cluster.Map.PrimaryFor(name);
            OsdInfo replica = cluster.Map.ReplicaOf(primary.Id)!;
            var id = new ObjectId(1, "", "", name);
            Assert.Equal(data, cluster.Get(primary.Id).Store.Read(id));
            Assert.Equal(data, cluster.Get(replica.Id).Store.Read(id));
        }

        Assert.True(Interlocked.Read(ref injected) >= 10, $"only {injected} socket failures were injected");
    }

    private static string Sessions(LocalCluster cluster) => string.Join("; ", cluster.Running.Select(id =>
        $"osd.{id}: " + string.Join(", ", cluster.Host(id).Services.GetMessenger("cluster").Connections.Select(c => c.ToString()))));

    [Fact]
    public async Task A_write_the_replica_refuses_is_applied_nowhere_and_the_client_hears_the_replicas_errno()
    {
        // The replica of osd.0 (osd.1) holds objects to a smaller osd_max_object_size than osd.0 does.
        await using LocalCluster cluster = Create(TransportKind.Memory, out IMessengerTransport transport,
            customize: (id, b) => b.Services.Configure<OsdOpLimits>(l => l.MaxObjectSize = id == 1 ? 1024ul : l.MaxObjectSize));
        await cluster.StartAsync(0);
        await cluster.StartAsync(1);
        await using var client = new OsdClient(transport);
        string name = Enumerable.Range(0, 100).Select(i => $"o{i}").First(n => cluster.Map.PrimaryFor(n).Id == 0);
        var id = new ObjectId(1, "", "", name);

        MOSDOpReply small = await client.SendAsync(cluster.Map.Get(0)!, name, OsdClient.Write(0, new byte[100]));
        Assert.Equal(0, small.Result);
        MOSDOpReply big = await client.SendAsync(cluster.Map.Get(0)!, name, OsdClient.Write(0, new byte[4096]));
        Assert.Equal(EINVAL, big.Result);
        Assert.Equal(new byte[100], cluster.Get(0).Store.Read(id)); // the primary kept what both had
        Assert.Equal(new byte[100], cluster.Get(1).Store.Read(id));
    }

    [Fact]
    public async Task A_write_whose_replica_dies_meanwhile_fails_with_EAGAIN_applied_nowhere_and_the_resend_goes_on_degraded()
    {
        // A grace long enough that the write is surely sent before heartbeats give the replica up, even on a busy machine.
        await using LocalCluster cluster = Create(TransportKind.Memory, out IMessengerTransport transport, (_, o) => o.HeartbeatGrace = TimeSpan.FromSeconds(3));
        for (int id = 0; id < 3; id++)
        {
            await cluster.StartAsync(id);
        }

        await using var client = new OsdClient(transport);
        string name = Enumerable.Range(0, 100).Select(i => $"o{i}").First(n => cluster.Map.PrimaryFor(n).Id == 0);
        OsdInfo replica = cluster.Map.ReplicaOf(0)!;
        await cluster.StopAsync(replica.Id);

        // The repop waits on a session that cannot reconnect until heartbeats report the replica failed;
        // that first attempt fails (-EAGAIN, applied nowhere) and the objecter's resend goes on degraded.
        MOSDOpReply reply = await client.SendAsync(cluster.Map.Get(0)!, name, OsdClient.Write(0, [1, 2, 3]));
        Assert.Equal(0, reply.Result);
        Assert.True(reply.RetryAttempt >= 1, $"answered at retry_attempt {reply.RetryAttempt}: the first attempt should have failed with -EAGAIN");
        Assert.Equal([1, 2, 3], cluster.Get(0).Store.Read(new ObjectId(1, "", "", name)));
    }
}
