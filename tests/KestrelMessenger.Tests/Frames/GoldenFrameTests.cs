using System.Buffers;
using KestrelMessenger.Frames;
using KestrelMessenger.Tests.Harness;

namespace KestrelMessenger.Tests.Frames;

/// <summary>Every frame captured from real Ceph 16.2.15 daemons decodes with its CRCs verified and re-encodes byte for byte.</summary>
public class GoldenFrameTests
{
    public static TheoryData<string> Titles => GoldenFrames.FrameTitles();

    [Fact]
    public void The_capture_file_holds_frames_of_every_kind_we_claim()
    {
        Assert.True(GoldenFrames.Frames.Count >= 30);
        Assert.All(GoldenFrames.Frames, f => Assert.Equal(f.DeclaredLength, f.Bytes.Length));
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Decodes_with_crcs_verified_and_reencodes_identically(string title)
    {
        byte[] wire = GoldenFrames.Get(title).Bytes;

        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out long length));
        Assert.Equal(wire.Length, length);
        Assert.False(frame.Aborted);

        var output = new ArrayBufferWriter<byte>();
        FrameEncoder.Write(output, frame.Tag, frame.Segment0.ToArray(), frame.Segment1, frame.Segment2, frame.Segment3);
        Assert.Equal(Convert.ToHexString(wire), Convert.ToHexString(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Decodes_identically_when_split_at_any_byte(string title)
    {
        byte[] wire = GoldenFrames.Get(title).Bytes;
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame whole, out _));
        int step = wire.Length > 600 ? 7 : 1;
        for (int split = 1; split < wire.Length; split += step)
        {
            Assert.True(FrameDecoder.TryDecode(Sequences.Split(wire, split, split / 2), FrameLimits.Default, out Frame frame, out long length));
            Assert.Equal(wire.Length, length);
            Assert.Equal(whole.Tag, frame.Tag);
            for (int s = 0; s < 4; s++)
            {
                Assert.Equal(whole.Segment(s).ToArray(), frame.Segment(s).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Asks_for_more_bytes_until_the_whole_frame_is_there(string title)
    {
        byte[] wire = GoldenFrames.Get(title).Bytes;
        int step = wire.Length > 600 ? 13 : 1;
        for (int have = 0; have < wire.Length; have += step)
        {
            Assert.False(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire, 0, have), FrameLimits.Default, out _, out long needed));
            Assert.Equal(have < FrameLayout.PreambleLength ? FrameLayout.PreambleLength : wire.Length, needed);
        }
    }

    [Fact]
    public void Worked_examples_from_the_reference_encode_byte_for_byte()
    {
        // KEEPALIVE2 sec=1700000000 nsec=123456789, ACK seq=5 and WAIT from worked-examples.txt.
        const string PreambleHead = "000000000000000000000000"; // bytes 16..27 of a one-segment preamble
        AssertEncodes(Tag.Keepalive2, "00F1536515CD5B07",
            "12010800000008000000000000000000" + PreambleHead + "D8D5F599" + "00F1536515CD5B07" + "C0527086");
        AssertEncodes(Tag.Ack, "0500000000000000",
            "14010800000008000000000000000000" + PreambleHead + "7374BC5B" + "0500000000000000" + "3FB2F61B");
        AssertEncodes(Tag.Wait, "", "10010000000008000000000000000000" + PreambleHead + "C8E3AAB0");
    }

    private static void AssertEncodes(Tag tag, string payloadHex, string expectedHex)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameEncoder.WriteControl(output, tag, Convert.FromHexString(payloadHex));
        Assert.Equal(expectedHex, Convert.ToHexString(output.WrittenSpan), ignoreCase: true);
    }
}
