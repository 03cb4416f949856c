using System.Buffers;
using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Wire;

public class Crc32CTests
{
    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Segment_seed_gives_the_inverted_standard_check_value() =>
        Assert.Equal(0x1CF96D7Cu, Crc32C.Append(Crc32C.SegmentSeed, Check));

    [Fact]
    public void Preamble_seed_zero_matches_the_reference_vector() =>
        Assert.Equal(0x58E3FA20u, Crc32C.Append(Crc32C.PreambleSeed, Check));

    [Fact]
    public void Empty_segment_crc_is_all_ones() => Assert.Equal(0xFFFFFFFFu, Crc32C.Segment(ReadOnlySpan<byte>.Empty));

    [Fact]
    public void A_sequence_split_anywhere_gives_the_same_crc_as_contiguous_bytes()
    {
        byte[] data = new byte[1000];
        new Random(7).NextBytes(data);
        uint expected = Crc32C.Segment(data);
        for (int split = 0; split <= data.Length; split += 37)
        {
            Assert.Equal(expected, Crc32C.Segment(Harness.Sequences.Split(data, split)));
        }
    }
}
