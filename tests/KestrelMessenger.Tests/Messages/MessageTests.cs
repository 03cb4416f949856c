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
