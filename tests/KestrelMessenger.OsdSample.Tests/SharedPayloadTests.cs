using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using KestrelMessenger.Diagnostics;
using System.Runtime.InteropServices;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// Large payloads travel by reference: a read's reply shares the stored bytes, the store shares a write's
/// bytes with the request. Sharing must never be seen: what a reply carries is what was stored when it was
/// read, whatever is written afterwards, and every pooled buffer goes back exactly once.
/// </summary>
public class SharedPayloadTests
{
    private static readonly ObjectId Id = new(1, "", "", "shared");

    public static TheoryData<string, Mutation[]> Overwrites => new()
    {
        { "a write inside", [Mutation.Write(100, Filled(50, 0xAA))] },
        { "a write over the whole object", [Mutation.Write(0, Filled(8192, 0xBB))] },
        { "a writefull", [Mutation.WriteFull(Filled(10, 0xCC))] },
        { "a truncate shorter, then a write past it", [Mutation.Truncate(10), Mutation.Write(20, Filled(5, 0xDD))] },
        { "a truncate longer", [Mutation.Truncate(6000)] },
        { "a zero inside", [Mutation.Zero(0, 4000)] },
        { "a delete, then a write", [Mutation.Delete(), Mutation.Write(0, Filled(3, 0xEE))] },
    };

    [Theory]
    [MemberData(nameof(Overwrites))]
    public void A_reply_read_by_reference_keeps_the_bytes_it_read_whatever_is_written_after(string what, Mutation[] overwrite)
    {
        using var store = new ObjectStore();
        byte[] original = Filled(4096, 0x11);
        using (MessageBuffer request = MessageBuffer.CopyOf(original))
        {
            store.Apply(Id, [Mutation.WriteFull(request.Memory)], UTime.Now, 0, request);
        } // the request is gone; the store keeps its own reference to those bytes

        MOSDOpReply reply = Read(store, 0, 0);
        Assert.True(SameArray(reply.Data.Memory, store.Get(Id)!.Data.First), "the read shares the stored bytes instead of copying them");

        store.Apply(Id, overwrite, UTime.Now, 0, source: null);

        Assert.True(original.AsSpan().SequenceEqual(reply.Data.Span), what);
        Assert.True(original.AsSpan().SequenceEqual(reply.Ops[0].OutData.Span), what);
        reply.Dispose();
    }

    [Fact]
    public void A_partial_read_shares_its_slice_and_a_read_after_a_staged_write_gets_a_copy_of_its_own()
    {
        using var store = new ObjectStore();
        byte[] original = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        store.Apply(Id, [Mutation.WriteFull(original)], UTime.Now, 0);

        using MOSDOpReply slice = Read(store, 10, 20);
        Assert.Equal(original[10..30], slice.Data.Span.ToArray());
        Assert.True(SameArray(slice.Data.Memory, store.Get(Id)!.Data.First));

        // A write then a read in one request: the read sees the staged write, which the store does not hold yet.
        var request = new MOSDOp { ObjectName = Id.Name, Locator = new ObjectLocator(1) };
        request.Ops.Add(new OsdOp(OsdOpCode.Write) { Offset = 0, Length = 2, InData = "hi"u8.ToArray() });
        request.Ops.Add(OsdOp.Extent(OsdOpCode.Read, 0, 4));
        request.Flags |= OpAdmission.ReturnVecFlag;
        OpOutcome outcome;
        lock (store.LockFor(Id))
        {
            outcome = OpExecutor.Run(request, store.Get(Id), new OsdOpLimits());
        }

        Assert.Equal(0, outcome.Result);
        Assert.Equal([(byte)'h', (byte)'i', 2, 3], request.Ops[1].OutData.ToArray());
        Assert.False(SameArray(request.Ops[1].OutData, store.Get(Id)!.Data.First));
        request.Dispose();
    }

    [Fact]
    public void A_write_covering_the_object_keeps_the_requests_bytes_and_a_partial_write_never_changes_them()
    {
        using var store = new ObjectStore();
        byte[] first = Filled(4096, 0x22);
        using MessageBuffer request = MessageBuffer.CopyOf(first);
        store.Apply(Id, [Mutation.Write(0, request.Memory)], UTime.Now, 0, request);
        Assert.True(SameArray(request.Memory, store.Get(Id)!.Data.First), "the store shares the request's data segment");

        store.Apply(Id, [Mutation.Write(1, Filled(2, 0x33))], UTime.Now, 0);

        Assert.Equal(first, request.Span.ToArray()); // copy-on-write: the request's bytes never change
        Assert.Equal([0x22, 0x33, 0x33, 0x22], store.Get(Id)!.Data.Slice(0, 4).ToArray());
    }

    private static MOSDOpReply Read(ObjectStore store, ulong offset, ulong length)
    {
        var request = new MOSDOp { ObjectName = Id.Name, Locator = new ObjectLocator(1) };
        request.Ops.Add(OsdOp.Extent(OsdOpCode.Read, offset, length));
        lock (store.LockFor(Id))
        {
            OpOutcome outcome = OpExecutor.Run(request, store.Get(Id), new OsdOpLimits());
            Assert.Equal(0, outcome.Result);
            MOSDOpReply reply = MOSDOpReply.For(request, outcome.Result, 1);
            request.Dispose(); // as after dispatch: the reply holds what it needs
            return reply;
        }
    }

    private static bool SameArray(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) =>
        MemoryMarshal.TryGetArray(a, out ArraySegment<byte> x) && MemoryMarshal.TryGetArray(b, out ArraySegment<byte> y) && ReferenceEquals(x.Array, y.Array);

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();
}

[CollectionDefinition(nameof(PoolAccounting), DisableParallelization = true)]
public sealed class PoolAccounting;

/// <summary>Pool accounting over a whole cluster run, alone so that no other test rents buffers meanwhile.</summary>
[Collection(nameof(PoolAccounting))]
public class PoolAccountingTests
{
    [Fact]
    public async Task Every_buffer_rented_in_a_run_with_faults_replays_shared_reads_and_overwrites_is_returned_once()
    {
        long faults = 0, replayed = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == MessengerMetrics.MeterName && i.Name is "ceph.messenger.sockets.injected_failures" or "ceph.messenger.messages.replayed")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => Interlocked.Add(ref i.Name.EndsWith("replayed", StringComparison.Ordinal) ? ref replayed : ref faults, v));
        listener.Start();
        long live = MessageBuffer.LiveBlocks;
        long rented = MessageBuffer.RentedBlocks;
        var stored = new ConcurrentDictionary<string, byte[]>();
        await using (LocalCluster cluster = Clusters.Create(TransportKind.Tcp, out Transport.IMessengerTransport transport, tune: (_, o) =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(20);
            o.MaxBackoff = TimeSpan.FromMilliseconds(300);
            o.ReplicationTimeout = TimeSpan.FromSeconds(30);
            o.FaultInjection.SocketFailures = 30; // the cluster sessions fault and replay repops all along
            o.FaultInjection.Seed = 11;
            OsdConfig.InjectOn(o, "cluster");
        }))
        {
            await cluster.StartAsync(0);
            await cluster.StartAsync(1);
            await using (var client = new OsdClient(transport))
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                {
                    string name = $"o{i}";
                    OsdInfo primary = cluster.Map.PrimaryFor(name);
                    async Task<MOSDOpReply> Send(params OsdOp[] ops)
                    {
                        MOSDOpReply reply = await client.SendAsync(primary, client.Request(name, ops), TimeSpan.FromSeconds(60));
                        Assert.Equal(0, reply.Result);
                        return reply;
                    }

                    // A whole-object write the store keeps by reference, a shared read, a partial overwrite
                    // (copy-on-write), a writefull, a delete, and a write again.
                    // Large ones (1 MiB, and 300,000 bytes: partial blocks at the ends) arrive over TCP in the socket's
                    // blocks and are stored, read, overwritten and replicated in those pieces.
                    byte[] data = new byte[i % 8 == 0 ? 1 << 20 : i % 4 == 0 ? 300_000 : 1 + Random.Shared.Next(8192)];
                    Random.Shared.NextBytes(data);
                    (await Send(OsdClient.Write(0, data))).Dispose();
                    using (MOSDOpReply read = await Send(OsdOp.Extent(OsdOpCode.Read, 0, 0)))
                    {
                        Assert.Equal(data, read.Ops[0].OutData.ToArray());
                    }

                    (await Send(OsdClient.Write(1, [1, 2, 3]))).Dispose();
                    (await Send(new OsdOp(OsdOpCode.WriteFull) { Length = (ulong)data.Length, InData = data })).Dispose();
                    (await Send(new OsdOp(OsdOpCode.Delete))).Dispose();
                    (await Send(OsdClient.Write(0, data[..(data.Length / 2)]))).Dispose();
                    using MOSDOpReply last = await Send(OsdOp.Extent(OsdOpCode.Read, 0, 0));
                    stored[name] = last.Ops[0].OutData.ToArray();
                    Assert.Equal(data[..(data.Length / 2)], stored[name]);
                });
            }

            foreach ((string name, byte[] bytes) in stored)
            {
                OsdInfo primary = cluster.Map.PrimaryFor(name);
                int replica = cluster.Running.Single(id => id != primary.Id);
                Assert.Equal(bytes, cluster.Get(primary.Id).Store.Read(new ObjectId(1, "", "", name)));
                Assert.Equal(bytes, cluster.Get(replica).Store.Read(new ObjectId(1, "", "", name)));
            }
        }

        // Every host is stopped and its store disposed: all that was rented is back, and nothing twice.
        await Eventually.UntilAsync(() => MessageBuffer.LiveBlocks == live, TimeSpan.FromSeconds(20),
            () => $"{MessageBuffer.RentedBlocks - rented} rented, {MessageBuffer.LiveBlocks - live} not returned (negative: returned twice)");
        Assert.True(MessageBuffer.RentedBlocks - rented > 1000, "the run moved its payloads through pooled buffers");
        Assert.True(Interlocked.Read(ref faults) > 0 && Interlocked.Read(ref replayed) > 0, $"{faults} injected faults, {replayed} replays: the run must have both");
    }
}
