using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// No wrong answers from the object store (issue 8, item 9), over real loopback TCP: bounded extents,
/// full object identity, no snapshot reads, all-or-nothing requests, bounded replies, and a reply to
/// every MOSDOp whatever happens while it runs.
/// </summary>
public sealed class ObjectStoreHardeningTests : IAsyncDisposable
{
    private const int ENOENT = -2, EIO = -5, E2BIG = -7, EINVAL = -22, EFBIG = -27, EOPNOTSUPP = -95;
    private static readonly byte[] Hello = "hello"u8.ToArray();
    private readonly LogSink _logs = new();
    private readonly SocketMessengerTransport _tcp = new(NullLoggerFactory.Instance);
    private LocalCluster? _cluster;
    private OsdClient? _client;

    private async Task<(OsdClient Client, OsdInfo[] Osds)> StartAsync(int osds = 1, Action<OsdOpLimits>? limits = null)
    {
        _cluster = new LocalCluster(id => new OsdOptions { Id = id, ReplicationTimeout = TimeSpan.FromSeconds(5) }, b =>
        {
            b.Logging.ClearProviders().AddProvider(_logs);
            b.Services.Configure<OsdOpLimits>(o => limits?.Invoke(o));
        });
        var started = new OsdInfo[osds];
        for (int id = 0; id < osds; id++)
        {
            started[id] = (await _cluster.StartAsync(id)).Info!;
        }

        _client = new OsdClient(_tcp);
        return (_client, started);
    }

    private static OsdOp Write(ulong offset, byte[] data, ushort code = OsdOpCode.Write) => new(code) { Offset = offset, Length = (ulong)data.Length, InData = data };

    private static OsdOp Read(ulong offset, ulong length) => OsdOp.Extent(OsdOpCode.Read, offset, length);

    private static string Rvals(MOSDOpReply reply) => string.Join(",", reply.Ops.Select(o => o.Rval));

    private static string Text(OsdOp op) => System.Text.Encoding.ASCII.GetString(op.OutData.Span);

    private static async Task<string?> ReadAllAsync(OsdClient client, OsdInfo osd, MOSDOp request)
    {
        request.Ops.Add(Read(0, 0));
        MOSDOpReply reply = await client.SendAsync(osd, request);
        return reply.Result == ENOENT ? null : Text(reply.Ops[0]);
    }

    [Fact]
    public async Task Extents_past_osd_max_object_size_get_efbig_overflowing_ones_einval_and_reads_past_the_end_what_ceph_returns()
    {
        (OsdClient client, OsdInfo[] osds) = await StartAsync();
        OsdInfo osd = osds[0];

        MOSDOpReply efbig = await client.SendAsync(osd, "big", Write(128UL << 20, Hello));
        Assert.Equal((EFBIG, EFBIG), (efbig.Result, efbig.Ops[0].Rval));
        Assert.Equal(ENOENT, (await client.SendAsync(osd, "big", new OsdOp(OsdOpCode.Stat))).Result); // nothing was created

        Assert.Equal(EINVAL, (await client.SendAsync(osd, "big", Write(ulong.MaxValue - 1, Hello))).Result);
        Assert.Equal(0, (await client.SendAsync(osd, "obj", Write(0, Hello))).Result);
        Assert.Equal(EINVAL, (await client.SendAsync(osd, "obj", Read(2, ulong.MaxValue - 1))).Result); // a real ceph-osd segfaults here

        MOSDOpReply reads = await client.SendAsync(osd, "obj", Read(10, 5), Read(3, 100), Read(1UL << 63, 10), Read(0, 0));
        Assert.Equal(0, reads.Result);
        Assert.Equal([0ul, 2, 0, 5], reads.Ops.Select(o => o.Length)); // the extent length a reply carries is the bytes read
        Assert.Equal(["", "lo", "", "hello"], reads.Ops.Select(Text));
    }

    [Fact]
    public async Task A_request_with_a_failing_op_changes_nothing_on_the_primary_or_the_replica_and_names_the_op()
    {
        (OsdClient client, OsdInfo[] osds) = await StartAsync(osds: 2);
        OsdInfo primary = osds[0], replica = osds[1];
        Assert.Equal(0, (await client.SendAsync(primary, "tx", Write(0, "v1"u8.ToArray(), OsdOpCode.WriteFull))).Result);

        MOSDOpReply unsupported = await client.SendAsync(primary, "tx", Write(0, "v2"u8.ToArray(), OsdOpCode.WriteFull), new OsdOp(0x2299));
        Assert.Equal((EOPNOTSUPP, $"0,{EOPNOTSUPP}"), (unsupported.Result, Rvals(unsupported)));

        MOSDOpReply tooBig = await client.SendAsync(primary, "tx", Write(0, "v3"u8.ToArray()), Write(200UL << 20, Hello), Write(10, Hello));
        Assert.Equal((EFBIG, $"0,{EFBIG},0"), (tooBig.Result, Rvals(tooBig)));

        Assert.Equal("v1", await ReadAllAsync(client, primary, client.Request("tx")));
        Assert.Equal("v1", await ReadAllAsync(client, replica, client.Request("tx")));

        MOSDOpReply both = await client.SendAsync(primary, "tx", Write(2, "+"u8.ToArray()), new OsdOp(OsdOpCode.Stat));
        Assert.Equal((0, "0,0"), (both.Result, Rvals(both)));
        Assert.Equal("v1+", await ReadAllAsync(client, replica, client.Request("tx")));
    }

    [Fact]
    public async Task Locator_keys_and_namespaces_are_part_of_an_objects_identity_on_both_copies_and_in_listings()
    {
        (OsdClient client, OsdInfo[] osds) = await StartAsync(osds: 2);
        OsdInfo primary = osds[0], replica = osds[1];
        MOSDOp Keyed(string key, string ns = "", params OsdOp[] ops)
        {
            MOSDOp r = client.Request("obj", ops);
            (r.Key, r.Namespace) = (key, ns);
            return r;
        }

        Assert.Equal(0, (await client.SendAsync(primary, Keyed("A", "", Write(0, "AAAA"u8.ToArray(), OsdOpCode.WriteFull)))).Result);
        Assert.Equal(0, (await client.SendAsync(primary, Keyed("B", "", Write(0, "BBBBBBBB"u8.ToArray(), OsdOpCode.WriteFull)))).Result);
        Assert.Equal(0, (await client.SendAsync(primary, Keyed("", "ns1", Write(0, "N"u8.ToArray(), OsdOpCode.WriteFull)))).Result);

        foreach (OsdInfo osd in osds)
        {
            Assert.Equal("AAAA", await ReadAllAsync(client, osd, Keyed("A")));
            Assert.Equal("BBBBBBBB", await ReadAllAsync(client, osd, Keyed("B")));
            Assert.Equal("N", await ReadAllAsync(client, osd, Keyed("", "ns1")));
            Assert.Null(await ReadAllAsync(client, osd, Keyed("")));
            Assert.Null(await ReadAllAsync(client, osd, Keyed("obj"))); // a key equal to the name is no key, as in hobject_t
        }

        // PGNLS over every namespace returns each object with its namespace and real locator key.
        MOSDOp list = client.Request("", OsdOp.Extent(OsdOpCode.PgNls, 0, 100));
        (list.Namespace, list.Pgid) = ("\u0001", new PgId(1, 0));
        MOSDOpReply listed = await client.SendAsync(replica, list);
        var reader = new DencReader(listed.Ops[0].OutData.Span);
        StructHeader h = reader.BeginStruct(1, "pg_nls_response_t");
        HObject.Decode(ref reader);
        var entries = new List<(string, string, string)>();
        for (uint i = reader.ReadU32(); i > 0; i--)
        {
            entries.Add((reader.ReadString(), reader.ReadString(), reader.ReadString()));
        }

        reader.EndStruct(h);
        Assert.Equal([("", "obj", "A"), ("", "obj", "B"), ("ns1", "obj", "")], entries.Order());
    }

    [Fact]
    public async Task Reads_at_a_snapshot_are_refused_never_answered_with_head_data_and_writes_that_would_need_a_clone_too()
    {
        (OsdClient client, OsdInfo[] osds) = await StartAsync();
        OsdInfo osd = osds[0];
        Assert.Equal(0, (await client.SendAsync(osd, "snapped", Write(0, Hello))).Result);

        MOSDOp atSnap = client.Request("snapped", Read(0, 0));
        atSnap.SnapId = 1;
        MOSDOpReply read = await client.SendAsync(osd, atSnap);
        Assert.Equal((EOPNOTSUPP, 0), (read.Result, read.Ops[0].OutData.Length));

        MOSDOp writeAtSnap = client.Request("snapped", Write(0, "x"u8.ToArray()));
        writeAtSnap.SnapId = 1;
        Assert.Equal(EINVAL, (await client.SendAsync(osd, writeAtSnap)).Result); // Ceph: a write to a clone is invalid

        // A self-managed snapshot taken after the object was written: Ceph would clone before this write.
        MOSDOp snapped = client.Request("snapped", Write(0, "J"u8.ToArray()));
        (snapped.SnapSeq, snapped.Snaps) = (1, [1]);
        Assert.Equal(EOPNOTSUPP, (await client.SendAsync(osd, snapped)).Result);
        Assert.Equal("hello", await ReadAllAsync(client, osd, client.Request("snapped")));
    }

    [Fact]
    public async Task Many_whole_object_reads_in_one_request_get_e2big_and_the_reply_stays_within_the_data_limit()
    {
        (OsdClient client, OsdInfo[] osds) = await StartAsync();
        byte[] mib = new byte[1 << 20];
        Random.Shared.NextBytes(mib);
        Assert.Equal(0, (await client.SendAsync(osds[0], "large", Write(0, mib, OsdOpCode.WriteFull))).Result);

        // The report's request: 500 whole-object reads in one 19 KB MOSDOp.
        MOSDOp request = client.Request("large", [.. Enumerable.Range(0, 500).Select(_ => Read(0, 0))]);
        MOSDOpReply reply = await client.SendAsync(osds[0], request);
        Assert.Equal(E2BIG, reply.Result);
        Assert.All(reply.Ops.Take(64), o => Assert.Equal((0, mib.Length), (o.Rval, o.OutData.Length)));
        Assert.Equal(E2BIG, reply.Ops[64].Rval);
        Assert.All(reply.Ops.Skip(64), o => Assert.Equal(0, o.OutData.Length));
        Assert.True(reply.Ops.Sum(o => (long)o.OutData.Length) <= KestrelMessenger.Frames.FrameLimits.Default.MaxDataLength);
    }

    [Fact]
    public async Task An_op_that_fails_unexpectedly_gets_eio_and_a_log_line_and_the_osd_keeps_serving()
    {
        // osd_max_object_size configured past what one in-memory object can hold (2 GiB): the executor
        // admits a write at 3 GiB, and the store refuses it while applying.
        (OsdClient client, OsdInfo[] osds) = await StartAsync(limits: o => o.MaxObjectSize = 4UL << 30);
        MOSDOpReply reply = await client.SendAsync(osds[0], "far", Write(3UL << 30, Hello));
        Assert.Equal(EIO, reply.Result);
        await _logs.WaitForAsync("failed unexpectedly; answering -EIO");
        Assert.Null(await ReadAllAsync(client, osds[0], client.Request("far")));
        Assert.Equal(0, (await client.SendAsync(osds[0], "near", Write(0, Hello))).Result);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _tcp.Dispose();
    }
}
