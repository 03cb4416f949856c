using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Messages;

public class MessageTests
{
    private static T RoundTrip<T>(T message) where T : Message, new()
    {
        using var scratch = new DencWriter();
        ReadOnlyMemory<byte> front = message.EncodeFront(scratch, CephFeatures.All);
        var decoded = new T { Version = message.Version };
        decoded.Front = MessageBuffer.CopyOf(front.Span);
        decoded.DecodeFront();
        return decoded;
    }

    [Fact]
    public void Osd_ping_v5_round_trips_every_field_and_its_padding()
    {
        var ping = new MOSDPing
        {
            Fsid = Guid.NewGuid(),
            MapEpoch = 42,
            Op = OsdPingOp.Ping,
            PingStamp = new UTime(1_700_000_000, 5),
            MonoPingStamp = TimeSpan.FromMilliseconds(1234.5),
            MonoSendStamp = TimeSpan.FromMilliseconds(99),
            DeltaUpperBound = TimeSpan.FromMilliseconds(-3),
            UpFrom = 7,
            MinMessageSize = 2000,
        };

        using var scratch = new DencWriter();
        // Ceph measures min_message_size before the fields that follow the padding length
        // (up_from, two spans, optional delta: 4 + 16 + 1 + 8 + the u32 itself = 33 bytes).
        Assert.Equal(2000 + 33, ping.EncodeFront(scratch, CephFeatures.All).Length);
        MOSDPing back = RoundTrip(ping);
        Assert.Equal((ping.Fsid, ping.MapEpoch, ping.Op, ping.PingStamp, ping.UpFrom), (back.Fsid, back.MapEpoch, back.Op, back.PingStamp, back.UpFrom));
        Assert.Equal((ping.MonoPingStamp, ping.MonoSendStamp, ping.DeltaUpperBound), (back.MonoPingStamp, back.MonoSendStamp, back.DeltaUpperBound));
        Assert.Equal(2000u, back.MinMessageSize);
    }

    [Fact]
    public void Osd_ping_without_padding_is_fields_only()
    {
        var ping = new MOSDPing { Op = OsdPingOp.PingReply };
        using var scratch = new DencWriter();
        // fsid 16, epoch 4, op 1, stamp 8, pad len 4, up_from 4, two spans 16, optional flag 1.
        Assert.Equal(54, ping.EncodeFront(scratch, CephFeatures.All).Length);
    }

    [Fact]
    public void A_truncated_osd_ping_is_a_decode_error_not_a_crash()
    {
        var ping = new MOSDPing { Front = MessageBuffer.CopyOf(new byte[10]) };
        Assert.Throws<DecodeException>(ping.DecodeFront);
    }

    [Fact]
    public void Unknown_types_come_from_the_registry_as_raw_messages()
    {
        var registry = MessageRegistry.CreateDefault();
        Assert.IsType<MOSDPing>(registry.Create(MessageTypes.OsdPing));
        Message raw = registry.Create(0x7777);
        Assert.Equal(typeof(Message), raw.GetType());
        Assert.Equal(0x7777, raw.Type);
    }
}

/// <summary>Monitor messages decode from, and encode to, the fronts a real OSD and monitor exchanged.</summary>
public class MonMessageGoldenTests
{
    private static (Message Message, byte[] Front) Decode(string title)
    {
        byte[] wire = Harness.GoldenFrames.Get(title).Bytes;
        Assert.True(KestrelMessenger.Frames.FrameDecoder.TryDecode(new System.Buffers.ReadOnlySequence<byte>(wire), KestrelMessenger.Frames.FrameLimits.Default, out var frame, out _));
        MessageHeader header = MessageHeader.Read(System.Buffers.BuffersExtensions.ToArray(frame.Segment0));
        Message m = MessageRegistry.CreateDefault().Create(header.Type);
        m.Version = header.Version;
        byte[] front = System.Buffers.BuffersExtensions.ToArray(frame.Segment1);
        m.Front = MessageBuffer.CopyOf(front);
        m.DecodeFront();
        return (m, front);
    }

    private static void AssertReencodes(Message m, byte[] front)
    {
        using var scratch = new DencWriter();
        Assert.Equal(Convert.ToHexString(front), Convert.ToHexString(m.EncodeFront(scratch, CephFeatures.All).Span));
    }

    [Fact]
    public void Get_version_and_its_reply()
    {
        (Message m, byte[] front) = Decode("OSD -> mon MESSAGE MMonGetVersion");
        var get = Assert.IsType<KestrelMessenger.Messages.Mon.MMonGetVersion>(m);
        Assert.Equal((1ul, "osdmap"), (get.Handle, get.What));
        AssertReencodes(get, front);

        (m, front) = Decode("mon -> OSD MESSAGE MMonGetVersionReply");
        var reply = Assert.IsType<KestrelMessenger.Messages.Mon.MMonGetVersionReply>(m);
        Assert.Equal((1ul, 4ul, 1ul), (reply.Handle, reply.MapVersion, reply.OldestMapVersion));
        AssertReencodes(reply, front);
    }

    [Fact]
    public void Subscribe_lists_maps_and_the_hostname()
    {
        (Message m, byte[] front) = Decode("OSD -> mon MESSAGE MMonSubscribe");
        var sub = Assert.IsType<KestrelMessenger.Messages.Mon.MMonSubscribe>(m);
        Assert.Equal(["config", "monmap"], sub.What.Keys);
        Assert.Equal("vm", sub.Hostname);
        AssertReencodes(sub, front);
    }

    [Fact]
    public void Osd_boot_v7_from_a_real_osd_decodes_and_reencodes_identically()
    {
        (Message m, byte[] front) = Decode("OSD -> mon MESSAGE MOSDBoot");
        var boot = Assert.IsType<KestrelMessenger.Messages.Osd.MOSDBoot>(m);
        Assert.Equal(0, boot.Superblock.WhoAmI);
        Assert.NotEqual(Guid.Empty, boot.Superblock.ClusterFsid);
        Assert.NotEqual(Guid.Empty, boot.Superblock.OsdFsid);
        Assert.NotEqual(boot.Superblock.ClusterFsid, boot.Superblock.OsdFsid);
        Assert.Equal(17, boot.Superblock.Incompat.Names.Count);
        Assert.Equal(0x3fffeul, boot.Superblock.Incompat.Mask);
        Assert.Equal(CephFeatures.All, boot.OsdFeatures);
        Assert.Contains("ceph_version", boot.Metadata.Keys);
        Assert.Equal(EntityAddrType.Msgr2, boot.ClusterAddrs[0].Type);
        AssertReencodes(boot, front);
    }

    [Fact]
    public void Osd_beacon_v3_from_a_real_osd_decodes_and_reencodes_identically()
    {
        (Message m, byte[] front) = Decode("OSD -> mon MESSAGE MOSDBeacon");
        var beacon = Assert.IsType<KestrelMessenger.Messages.Osd.MOSDBeacon>(m);
        Assert.Equal(38 + (beacon.Pgs.Count * 17), front.Length);
        Assert.Equal(300u, beacon.ReportInterval);
        AssertReencodes(beacon, front);
    }
}
