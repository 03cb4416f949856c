using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Messages;

/// <summary>
/// MOSDOp / MOSDOpReply decode from the frames a real 16.2.15 <c>rados bench</c> client and OSD exchanged,
/// and encode back to the same bytes: front, data segment, header and the whole frame with its CRCs.
/// </summary>
public class OsdOpGoldenTests
{
    private const string Write = "client -> OSD MOSDOp tid 1 ";
    private const string WriteReply = "OSD -> client MOSDOpReply tid 1 ";
    private const string WriteFull = "client -> OSD MOSDOp tid 6025 ";
    private const string WriteFullReply = "OSD -> client MOSDOpReply tid 6025";
    private const string Read = "client -> OSD MOSDOp tid 6026 ";
    private const string ReadReply = "OSD -> client MOSDOpReply tid 6026 ";
    private const string Delete = "client -> OSD MOSDOp tid 6027 ";
    private const string DeleteReply = "OSD -> client MOSDOpReply tid 6027";
    private const ulong ClientFeatures = 0x3f01cfbdfffdffff;

    public static TheoryData<string> All => [Write, WriteFull, Read, Delete, WriteReply, WriteFullReply, ReadReply, DeleteReply];

    /// <summary>The 24 bytes of <c>benchmark_last_metadata</c>: object size, object count, pid, op size.</summary>
    private static readonly byte[] BenchMetadata = Convert.FromHexString("0010000000000000881700005F3C00000010000000000000");

    private sealed record Golden(Message Message, MessageHeader Header, byte[] Front, byte[] Data, byte[] Wire);

    private static Golden Decode(string title)
    {
        byte[] wire = Harness.GoldenFrames.Get(title).Bytes;
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out _));
        MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
        Message m = MessageRegistry.CreateDefault().Create(header.Type);

        // A freshly made typed message already carries what Ceph puts in the header.
        Assert.Equal((header.Version, header.CompatVersion, header.Priority), (m.Version, m.CompatVersion, m.Priority));
        m.Tid = header.Tid;
        m.Source = EntityName.Client(4123);
        byte[] front = frame.Segment1.ToArray();
        byte[] data = frame.Segment3.ToArray();
        m.Front = MessageBuffer.CopyOf(front);
        m.Data = MessageBuffer.CopyOf(data);
        m.DecodeFront();
        return new Golden(m, header, front, data, wire);
    }

    /// <summary>Front, data segment and the whole frame (header, preamble, CRCs) come out as captured.</summary>
    private static void AssertEncodesAs(Message m, Golden golden)
    {
        using var scratch = new DencWriter();
        using OutgoingMessage encoded = m.Encode(scratch, CephFeatures.All);
        byte[] front = encoded.Front.Span.ToArray();
        Assert.Equal(Convert.ToHexString(golden.Front), Convert.ToHexString(front));
        Assert.Equal(Convert.ToHexString(golden.Data), Convert.ToHexString(encoded.Data.Span));

        var header = new MessageHeader
        {
            Seq = golden.Header.Seq,
            Tid = m.Tid,
            Type = m.Type,
            Priority = m.Priority,
            Version = encoded.Version,
            DataOffset = m.DataOffset,
            AckSeq = golden.Header.AckSeq,
            Flags = MessageHeader.DefaultFlags,
            CompatVersion = encoded.CompatVersion,
        };
        byte[] headerBytes = new byte[MessageHeader.Length];
        header.Write(headerBytes);
        var output = new ArrayBufferWriter<byte>();
        FrameEncoder.Write(output, Tag.Message, headerBytes, new ReadOnlySequence<byte>(front), default, encoded.Data.Sequence);
        Assert.Equal(Convert.ToHexString(golden.Wire), Convert.ToHexString(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Every_golden_frame_reencodes_byte_for_byte_without_copying_its_data(string title)
    {
        Golden golden = Decode(title);
        MessageBuffer data = golden.Message.Data;
        AssertEncodesAs(golden.Message, golden);
        AssertEncodesAs(golden.Message, golden);
        Assert.Same(data, golden.Message.Data);
    }

    [Fact]
    public void Bench_write_is_an_alloc_hint_then_a_4_KiB_write()
    {
        Golden golden = Decode(Write);
        var op = Assert.IsType<MOSDOp>(golden.Message);
        Assert.Equal((new PgId(1, 7), (sbyte)-1, 0x6624000fu, 9u), (op.Pgid, op.Shard, op.Hash, op.MapEpoch));
        Assert.Equal(OsdFlags.OnDisk | OsdFlags.Write | OsdFlags.KnownRedir, op.Flags);
        Assert.True(op.ReqId.IsEmpty);
        Assert.Equal(new OsdReqId(EntityName.Client(4123), 1, 0), op.EffectiveReqId);
        Assert.Equal((1L, "", "", -1L), (op.Pool, op.Key, op.Namespace, op.Locator.Hash));
        Assert.Equal("benchmark_data_vm_15455_object0", op.ObjectName);
        Assert.NotEqual(default, op.Mtime);
        Assert.Equal((MOSDOp.NoSnap, 0ul, 0, 0, ClientFeatures), (op.SnapId, op.SnapSeq, op.Snaps.Count, op.RetryAttempt, op.Features));
        Assert.Equal(default, op.Trace);

        Assert.Equal(2, op.Ops.Count);
        OsdOp hint = op.Ops[0];
        Assert.Equal((OsdOpCode.SetAllocHint, OsdOpFlags.FailOk), (hint.Code, hint.Flags));
        Assert.Equal((4096ul, 4096ul, 0x35u, 0u), (hint.ExpectedObjectSize, hint.ExpectedWriteSize, hint.AllocHintFlags, hint.PayloadLength));
        Assert.True(hint.InData.IsEmpty);
        OsdOp write = op.Ops[1];
        Assert.Equal((OsdOpCode.Write, 0u, 0ul, 4096ul, 0ul, 0u), (write.Code, write.Flags, write.Offset, write.Length, write.TruncateSize, write.TruncateSeq));
        Assert.Equal(4096u, write.PayloadLength);
        Assert.Equal(golden.Data, write.InData.ToArray());
        Assert.StartsWith("I'm the ", System.Text.Encoding.ASCII.GetString(write.InData.Span));
        Assert.Equal("set-alloc-hint object_size 4096 write_size 4096", hint.ToString());
        Assert.Equal("write 0~4096", write.ToString());
    }

    [Fact]
    public void Bench_metadata_writefull_read_and_delete()
    {
        var writeFull = Assert.IsType<MOSDOp>(Decode(WriteFull).Message);
        Assert.Equal(("benchmark_last_metadata", new PgId(1, 5), 0x8e7a861du), (writeFull.ObjectName, writeFull.Pgid, writeFull.Hash));
        OsdOp wf = Assert.Single(writeFull.Ops);
        Assert.Equal((OsdOpCode.WriteFull, 0ul, 24ul, 24u), (wf.Code, wf.Offset, wf.Length, wf.PayloadLength));
        Assert.Equal(BenchMetadata, wf.InData.ToArray());
        // object size 4096, 6024 objects written, by pid 15455, 4096-byte ops.
        Assert.Equal(6024u, BinaryPrimitives.ReadUInt32LittleEndian(wf.InData.Span[8..]));
        Assert.Equal(15455u, BinaryPrimitives.ReadUInt32LittleEndian(wf.InData.Span[12..]));

        var read = Assert.IsType<MOSDOp>(Decode(Read).Message);
        Assert.Equal(OsdFlags.OnDisk | OsdFlags.Read | OsdFlags.KnownRedir, read.Flags);
        Assert.Equal(default, read.Mtime);
        OsdOp r = Assert.Single(read.Ops);
        Assert.Equal((OsdOpCode.Read, 0ul, 24ul, 0u), (r.Code, r.Offset, r.Length, r.PayloadLength));
        Assert.Equal(0, read.Data.Length);

        var delete = Assert.IsType<MOSDOp>(Decode(Delete).Message);
        Assert.Equal(("benchmark_data_vm_15455_object0", 6027ul), (delete.ObjectName, delete.Tid));
        OsdOp d = Assert.Single(delete.Ops);
        Assert.Equal((OsdOpCode.Delete, 0u, "delete"), (d.Code, d.PayloadLength, d.ToString()));
        Assert.Equal(new byte[OsdOp.UnionSize], d.RawUnion.ToArray());
    }

    [Fact]
    public void Replies_carry_ack_ondisk_results_versions_and_read_data()
    {
        var write = Assert.IsType<MOSDOpReply>(Decode(WriteReply).Message);
        Assert.Equal(("benchmark_data_vm_15455_object0", new PgId(1, 7), 1ul), (write.ObjectName, write.Pgid, write.Tid));
        Assert.Equal((ulong)(OsdFlags.Ack | OsdFlags.OnDisk | OsdFlags.Write | OsdFlags.KnownRedir), write.Flags);
        Assert.Equal((0, 9u, 0, (RequestRedirect?)null), (write.Result, write.MapEpoch, write.RetryAttempt, write.Redirect));
        Assert.Equal((new EVersion(9, 1), new EVersion(9, 1), 1ul), (write.BadReplayVersion, write.ReplayVersion, write.UserVersion));
        Assert.Equal(new[] { OsdOpCode.SetAllocHint, OsdOpCode.Write }, write.Ops.Select(o => o.Code));
        Assert.All(write.Ops, o => Assert.Equal((0, 0u), (o.Rval, o.PayloadLength)));
        Assert.Equal(4096ul, write.Ops[1].Length);

        var writeFull = Assert.IsType<MOSDOpReply>(Decode(WriteFullReply).Message);
        Assert.Equal((new EVersion(9, 0x2f0), 0x2f0ul), (writeFull.ReplayVersion, writeFull.UserVersion));

        var read = Assert.IsType<MOSDOpReply>(Decode(ReadReply).Message);
        Assert.Equal((ulong)(OsdFlags.Ack | OsdFlags.OnDisk | OsdFlags.Read | OsdFlags.KnownRedir), read.Flags);
        Assert.Equal((new EVersion(0, 0x2f0), default(EVersion), 0x2f0ul), (read.BadReplayVersion, read.ReplayVersion, read.UserVersion));
        OsdOp r = Assert.Single(read.Ops);
        Assert.Equal((OsdOpCode.Read, 24ul, 24u, 0), (r.Code, r.Length, r.PayloadLength, r.Rval));
        Assert.Equal(BenchMetadata, r.OutData.ToArray());

        var delete = Assert.IsType<MOSDOpReply>(Decode(DeleteReply).Message);
        Assert.Equal((0, new EVersion(9, 0x302), OsdOpCode.Delete), (delete.Result, delete.ReplayVersion, Assert.Single(delete.Ops).Code));
    }

    [Theory]
    [InlineData(Write, WriteReply, 9u, 1ul)]
    [InlineData(WriteFull, WriteFullReply, 9u, 0x2f0ul)]
    [InlineData(Read, ReadReply, 0u, 0ul)]
    [InlineData(Delete, DeleteReply, 9u, 0x302ul)]
    public void For_builds_the_reply_a_real_OSD_sent(string requestTitle, string replyTitle, uint logEpoch, ulong logVersion)
    {
        var request = Assert.IsType<MOSDOp>(Decode(requestTitle).Message);
        bool isRead = request.Ops[0].Code == OsdOpCode.Read;
        if (isRead)
        {
            request.Ops[0].OutData = BenchMetadata;
        }

        MOSDOpReply reply = MOSDOpReply.For(request, 0, mapEpoch: 9);
        reply.SetReplyVersions(new EVersion(logEpoch, logVersion), isRead ? 0x2f0ul : logVersion);
        Golden golden = Decode(replyTitle);
        AssertEncodesAs(reply, golden);

        // ... and what it encoded decodes to the same reply.
        using var scratch = new DencWriter();
        var back = new MOSDOpReply
        {
            Front = MessageBuffer.CopyOf(reply.EncodeFront(scratch, CephFeatures.All).Span),
            Data = MessageBuffer.CopyOf(reply.Data.Span),
        };
        back.DecodeFront();
        Assert.Equal((reply.ObjectName, reply.Pgid, reply.Flags, reply.Result, reply.RetryAttempt), (back.ObjectName, back.Pgid, back.Flags, back.Result, back.RetryAttempt));
        Assert.Equal((reply.BadReplayVersion, reply.ReplayVersion, reply.UserVersion, reply.MapEpoch), (back.BadReplayVersion, back.ReplayVersion, back.UserVersion, back.MapEpoch));
        Assert.Equal(reply.Ops.Select(o => (o.Code, o.Flags, o.Offset, o.Length, o.Rval, o.OutData.ToArray().Length)),
            back.Ops.Select(o => (o.Code, o.Flags, o.Offset, o.Length, o.Rval, o.OutData.ToArray().Length)));
        Assert.Equal(isRead ? BenchMetadata : [], back.Ops.SelectMany(o => o.OutData.ToArray()));
    }

    [Fact]
    public void For_copies_out_data_so_the_request_can_be_disposed_before_the_reply_is_sent()
    {
        var request = Assert.IsType<MOSDOp>(Decode(WriteFull).Message);
        request.Ops[0].OutData = request.Ops[0].InData; // echo the written bytes back
        Assert.True(MemoryMarshal.TryGetArray(request.Data.Memory, out ArraySegment<byte> requestData));

        MOSDOpReply reply = MOSDOpReply.For(request, 0, 9);
        Assert.True(MemoryMarshal.TryGetArray(reply.Ops[0].OutData, out ArraySegment<byte> outData));
        Assert.NotSame(requestData.Array, outData.Array);
        request.Dispose();

        using var scratch = new DencWriter();
        using OutgoingMessage encoded = reply.Encode(scratch, CephFeatures.All);
        Assert.Equal(BenchMetadata, encoded.Data.Span.ToArray());
        var back = new MOSDOpReply { Front = MessageBuffer.CopyOf(encoded.Front.Span), Data = encoded.Data.Share() };
        back.DecodeFront();
        Assert.Equal(24u, back.Ops[0].PayloadLength);
    }

    [Fact]
    public void A_client_built_writefull_encodes_as_librados_sent_it()
    {
        var original = Assert.IsType<MOSDOp>(Decode(WriteFull).Message);
        var op = new MOSDOp
        {
            Tid = 6025,
            Pgid = new PgId(1, 5),
            Hash = 0x8e7a861d,
            MapEpoch = 9,
            Flags = OsdFlags.OnDisk | OsdFlags.Write | OsdFlags.KnownRedir,
            Mtime = original.Mtime,
            Pool = 1,
            ObjectName = "benchmark_last_metadata",
            Ops = [OsdOp.Extent(OsdOpCode.WriteFull, 0, 24)],
            Features = ClientFeatures,
        };
        op.Ops[0].InData = BenchMetadata;
        AssertEncodesAs(op, Decode(WriteFull));
        // Encoding changes nothing in the message: a replay encodes the same bytes again.
        Assert.Equal((0u, 0), (op.Ops[0].PayloadLength, op.Data.Length));
        AssertEncodesAs(op, Decode(WriteFull));
    }

    [Fact]
    public void Several_ops_share_the_data_segment_in_op_order()
    {
        var op = new MOSDOp
        {
            ObjectName = "o",
            Ops =
            [
                new OsdOp(OsdOpCode.Write) { Length = 3, InData = "abc"u8.ToArray() },
                new OsdOp(OsdOpCode.Stat),
                new OsdOp(OsdOpCode.Append) { Length = 5, InData = "defgh"u8.ToArray() },
            ],
        };
        using var scratch = new DencWriter();
        using OutgoingMessage encoded = op.Encode(scratch, CephFeatures.All);
        Assert.Equal("abcdefgh"u8.ToArray(), encoded.Data.Span.ToArray());

        var back = new MOSDOp { Front = encoded.Front.Share(), Data = encoded.Data.Share() };
        back.DecodeFront();
        Assert.Equal([3u, 0u, 5u], back.Ops.Select(o => o.PayloadLength));
        Assert.Equal(["abc", "", "defgh"], back.Ops.Select(o => System.Text.Encoding.ASCII.GetString(o.InData.Span)));
        Assert.Equal(["write 0~3", "stat", "append 0~5"], back.Ops.Select(o => o.ToString()));
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Every_truncation_of_the_front_is_a_decode_error(string title)
    {
        Golden golden = Decode(title);
        for (int length = 0; length < golden.Front.Length; length++)
        {
            Message m = MessageRegistry.CreateDefault().Create(golden.Header.Type);
            m.Front = MessageBuffer.CopyOf(golden.Front.AsSpan(0, length));
            m.Data = MessageBuffer.CopyOf(golden.Data);
            Assert.Throws<DecodeException>(m.DecodeFront);
        }
    }

    [Fact]
    public void Hostile_counts_and_lengths_are_decode_errors()
    {
        Golden golden = Decode(Write);
        // The le16 op count sits just after the 31-byte object name.
        int opCount = golden.Front.AsSpan().IndexOf("object0"u8) + 7;
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(golden.Front.AsSpan(opCount)));
        AssertRejects(golden, f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(opCount), 0xffff));
        AssertRejects(golden, f => BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(opCount - 35), 0x7fffffff)); // oid length
        AssertRejects(golden, _ => { }, data: golden.Data.AsSpan(0, 4095).ToArray()); // payload_len past the data segment

        var v7 = new MOSDOp { Version = 7, Front = MessageBuffer.CopyOf(golden.Front) };
        Assert.Throws<DecodeException>(v7.DecodeFront);

        Golden reply = Decode(ReadReply);
        int replyOps = 4 + 23 + PgId.EncodedSize + 8 + 4 + EVersion.EncodedSize + 4;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(reply.Front.AsSpan(replyOps)));
        AssertRejects(reply, f => BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(replyOps), 4));
        AssertRejects(reply, _ => { }, data: reply.Data.AsSpan(0, 23).ToArray());
    }

    private static void AssertRejects(Golden golden, Action<byte[]> corrupt, byte[]? data = null)
    {
        byte[] front = golden.Front.ToArray();
        corrupt(front);
        Message m = MessageRegistry.CreateDefault().Create(golden.Header.Type);
        m.Front = MessageBuffer.CopyOf(front);
        m.Data = MessageBuffer.CopyOf(data ?? golden.Data);
        Assert.Throws<DecodeException>(m.DecodeFront);
    }
}
