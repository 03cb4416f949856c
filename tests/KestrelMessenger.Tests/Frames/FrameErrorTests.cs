using System.Buffers;
using System.Buffers.Binary;
using KestrelMessenger.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Frames;

/// <summary>Frames that break msgr2.1's rules are refused with the rule named, from the preamble alone where possible.</summary>
public class FrameErrorTests
{
    private static byte[] Golden(string title) => (byte[])GoldenFrames.Get(title).Bytes.Clone();

    private static FrameError Decode(byte[] wire, FrameLimits? limits = null) =>
        Assert.Throws<FrameException>(() => FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), limits ?? FrameLimits.Default, out _, out _)).Error;

    /// <summary>A preamble with the given fields and a correct CRC, and nothing after it.</summary>
    public static byte[] Preamble(byte tag, byte count, params uint[] lengths)
    {
        byte[] p = new byte[FrameLayout.PreambleLength];
        p[0] = tag;
        p[1] = count;
        for (int i = 0; i < lengths.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(2 + (i * 6)), lengths[i]);
            BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(6 + (i * 6)), 8);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(28), Crc32C.Append(0, p.AsSpan(0, 28)));
        return p;
    }

    [Fact]
    public void A_flipped_preamble_bit_fails_the_preamble_crc()
    {
        byte[] wire = Golden("OSD -> mon HELLO");
        wire[3] ^= 0x01;
        Assert.Equal(FrameError.BadPreambleCrc, Decode(wire));
    }

    [Fact]
    public void A_flipped_segment0_bit_fails_its_crc()
    {
        byte[] wire = Golden("OSD -> mon HELLO");
        wire[40] ^= 0x80;
        Assert.Equal(FrameError.BadSegmentCrc, Decode(wire));
    }

    [Fact]
    public void A_flipped_data_bit_fails_the_epilogue_crc()
    {
        byte[] wire = Golden("client -> OSD MOSDOp tid 1");
        wire[^100] ^= 0x01;
        Assert.Equal(FrameError.BadSegmentCrc, Decode(wire));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_segment_count_outside_one_to_four_is_refused(byte count) =>
        Assert.Equal(FrameError.BadSegmentCount, Decode(Preamble(2, count, 8)));

    [Fact]
    public void A_segment_longer_than_the_limit_is_refused_from_the_preamble_alone()
    {
        // Only the 32-byte preamble is supplied: the verdict must not wait for (or buffer) the body.
        Assert.Equal(FrameError.SegmentTooLong, Decode(Preamble(17, 4, 41, 0, 0, 65u << 20)));
        Assert.Equal(FrameError.SegmentTooLong, Decode(Preamble(1, 1, 100), new FrameLimits { MaxControlLength = 64 }));
    }

    [Fact]
    public void A_multi_segment_frame_whose_last_segment_is_empty_is_refused() =>
        Assert.Equal(FrameError.EmptyLastSegment, Decode(Preamble(17, 2, 41, 0)));

    [Fact]
    public void An_unknown_late_status_is_refused_and_an_aborted_frame_is_flagged()
    {
        byte[] wire = Golden("OSD -> mon MESSAGE MMonSubscribe");
        int epilogue = wire.Length - FrameLayout.EpilogueLength;
        wire[epilogue] = 0x00;
        Assert.Equal(FrameError.BadLateStatus, Decode(wire));

        wire[epilogue] = FrameLayout.LateStatusAborted;
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out _));
        Assert.True(frame.Aborted);
    }
}
