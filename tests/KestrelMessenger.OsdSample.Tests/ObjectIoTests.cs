using System.Buffers;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>Object I/O with Ceph's MOSDOp/MOSDOpReply, replicated over the cluster messenger.</summary>
public class ObjectIoTests
{
    private const int ENOENT = -2;
    private const int EOPNOTSUPP = -95;

    [Theory]
    [MemberData(nameof(Clusters.Transports), MemberType = typeof(Clusters))]
    public async Task Writes_are_replicated_and_read_back_byte_identical_from_both_copies(TransportKind kind)
    {
        await using LocalCluster cluster = Clusters.Create(kind, out IMessengerTransport transport);
        for (int id = 0; id < 3; id++)
        {
            await cluster.StartAsync(id);
        }

        await using var client = new OsdClient(transport);
        byte[] data = new byte[10_000];
        Random.Shared.NextBytes(data);
        OsdInfo primary = cluster.Map.PrimaryFor("greeting");
        OsdInfo replica = cluster.Map.ReplicaOf(primary.Id)!;

        MOSDOpReply written = await client.SendAsync(primary, "greeting", OsdOp.AllocHint(10_000, 10_000, 0), OsdClient.Write(0, data));
        Assert.Equal(0, written.Result);
        Assert.Equal(ObjectStoreBytes(cluster, primary.Id), data);
        Assert.Equal(ObjectStoreBytes(cluster, replica.Id), data); // the reply waited for the replica

        MOSDOpReply read = await client.SendAsync(primary, "greeting", OsdOp.Extent(OsdOpCode.Read, 0, 0));
        Assert.Equal(data, read.Ops[0].OutData.ToArray());

        MOSDOpReply stat = await client.SendAsync(primary, "greeting", new OsdOp(OsdOpCode.Stat));
        var reader = new DencReader(stat.Ops[0].OutData.Span);
        Assert.Equal(10_000ul, reader.ReadU64());
        Assert.True(UTime.Decode(ref reader).ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

        byte[] replacement = [1, 2, 3];
        OsdOp full = OsdOp.Extent(OsdOpCode.WriteFull, 0, 3);
        full.InData = replacement;
        Assert.Equal(0, (await client.SendAsync(primary, "greeting", full)).Result);
        Assert.Equal(replacement, ObjectStoreBytes(cluster, replica.Id));

        Assert.Equal(0, (await client.SendAsync(primary, "greeting", new OsdOp(OsdOpCode.Delete))).Result);
        Assert.Null(cluster.Get(primary.Id).Store.Stat(Greeting));
        Assert.Null(cluster.Get(replica.Id).Store.Stat(Greeting));
    }

    [Fact]
    public async Task Bad_ops_get_cephs_error_codes()
    {
        await using LocalCluster cluster = Clusters.Create(TransportKind.Memory, out IMessengerTransport transport);
        OsdInfo osd = (await cluster.StartAsync(0)).Info!;
        await using var client = new OsdClient(transport);

        // A request that only reads a missing object is refused whole, before any op runs (rval 0), as Ceph does.
        MOSDOpReply read = await client.SendAsync(osd, "nobody", OsdOp.Extent(OsdOpCode.Read, 0, 0));
        Assert.Equal((ENOENT, 0), (read.Result, read.Ops[0].Rval));
        Assert.Equal(ENOENT, (await client.SendAsync(osd, "nobody", new OsdOp(OsdOpCode.Stat))).Result);
        Assert.Equal(ENOENT, (await client.SendAsync(osd, "nobody", new OsdOp(OsdOpCode.Delete))).Result);

        // No object classes are loaded: a class call is refused whole, as Ceph refuses a class it cannot open.
        MOSDOpReply call = await client.SendAsync(osd, "nobody", new OsdOp(OsdOpCode.Call));
        Assert.Equal((EOPNOTSUPP, 0), (call.Result, call.Ops[0].Rval));
        Assert.Equal(EOPNOTSUPP, (await client.SendAsync(osd, "nobody", new OsdOp(0x9999))).Result);
    }

    [Fact]
    public async Task A_truncated_mosdop_closes_that_connection_with_a_reason_and_the_osd_keeps_serving()
    {
        var logs = new LogSink();
        var memory = new MemoryTransport();
        await using var cluster = new LocalCluster(id => new OsdOptions { Id = id }, b =>
        {
            b.Services.AddSingleton<IMessengerTransport>(memory);
            b.Logging.ClearProviders().AddProvider(logs);
        });
        OsdInfo osd = (await cluster.StartAsync(0)).Info!;
        await using var client = new OsdClient(memory);

        byte[] front = GoldenFront("client -> OSD MOSDOp tid 6025");
        IConnection c = client.Messenger.ConnectTo(EntityType.Osd, osd.Public);
        c.SendMessage(new Message(MessageTypes.OsdOp, 8, 3) { Front = MessageBuffer.CopyOf(front.AsSpan(0, front.Length / 2)) });
        await c.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        await logs.WaitForAsync("failed to decode osd_op (type 42)");

        byte[] data = [42];
        Assert.Equal(0, (await client.SendAsync(osd, "after", OsdClient.Write(0, data))).Result);
    }

    [Fact]
    public async Task The_real_rados_clients_write_gets_the_reply_the_real_osd_gave()
    {
        await using LocalCluster cluster = Clusters.Create(TransportKind.Memory, out IMessengerTransport transport);
        OsdInfo osd = (await cluster.StartAsync(0)).Info!;
        await using var client = new OsdClient(transport);

        // The bytes a real Ceph 16.2.15 rados client sent to a real OSD, replayed at ours.
        (MOSDOp request, MOSDOpReply golden) = (Golden<MOSDOp>("client -> OSD MOSDOp tid 1 "), Golden<MOSDOpReply>("OSD -> client MOSDOpReply tid 1 "));
        MOSDOpReply reply = await client.SendAsync(osd, request);

        Assert.Equal((golden.Tid, golden.ObjectName, golden.Result, golden.Flags, golden.RetryAttempt), (reply.Tid, reply.ObjectName, reply.Result, reply.Flags, reply.RetryAttempt));
        Assert.Equal(golden.Ops.Select(o => (o.Code, o.Rval)), reply.Ops.Select(o => (o.Code, o.Rval)));
        Assert.Equal(4096, cluster.Get(0).Store.Stat(ObjectId.Of(request))!.Value.Size);
    }

    private static readonly ObjectId Greeting = ObjectId.Create(1, "", "", "greeting");

    private static byte[] ObjectStoreBytes(LocalCluster cluster, int id) => cluster.Get(id).Store.Read(Greeting)!;

    private static Frame Decode(string title, out byte[] wire)
    {
        wire = GoldenFrames.Get(title).Bytes;
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out _));
        return frame;
    }

    private static byte[] GoldenFront(string title) => Decode(title, out _).Segment1.ToArray();

    private static T Golden<T>(string title) where T : Message, new()
    {
        Frame frame = Decode(title, out _);
        MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
        return (T)MessageRegistry.CreateDefault().Decode(header, frame.Segment1, frame.Segment2, frame.Segment3);
    }
}
