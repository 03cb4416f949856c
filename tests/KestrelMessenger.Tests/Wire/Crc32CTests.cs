using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Wire;

public class Crc32CTests
{
    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    /// <summary>An arbitrary seed besides Ceph's two, so that no path can lean on a special value.</summary>
    private const uint ArbitrarySeed = 0x6A09E667;

    /// <summary>
    /// Random bytes shared by the tests, 1 MiB plus room to start at any offset below 64 (the fast paths
    /// read unaligned words and vectors, so the start's alignment varies with the length).
    /// </summary>
    private static readonly byte[] Random1MiB = RandomBytes((1 << 20) + 64, seed: 20240611);

    private static readonly ConcurrentDictionary<uint, uint[]> ReferenceUpTo4096 = new();

    /// <summary>The ways <see cref="Crc32C"/> can compute a CRC; every one must give the same value.</summary>
    private static readonly string[] PathNames = ["Append", "SingleStream", "Interleaved", "Folded"];

    public static TheoryData<string> Paths => new(PathNames);

    public static TheoryData<string, uint> PathsAndSeeds
    {
        get
        {
            var data = new TheoryData<string, uint>();
            foreach (string path in PathNames)
            {
                foreach (uint seed in new[] { 0u, 0xFFFFFFFFu, ArbitrarySeed })
                {
                    data.Add(path, seed);
                }
            }

            return data;
        }
    }

    public static TheoryData<string, int> PathsAndLargeLengths
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string path in PathNames)
            {
                // One interleaved round and a bit; 64 KiB and a ragged tail; 1 MiB and a ragged tail.
                foreach (int length in new[] { (3 * 2048) + 101, 65536 + 7, (1 << 20) + 3 })
                {
                    data.Add(path, length);
                }
            }

            return data;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(32 * 1024)]
    [InlineData((32 * 1024) + 1)]
    [InlineData((4 << 20) + 3)]
    public void Copying_and_checksumming_in_one_pass_gives_the_bytes_and_the_crc_of_two_passes(int length)
    {
        byte[] source = new byte[length];
        new Random(length).NextBytes(source);
        byte[] destination = new byte[length + 5];

        uint crc = Crc32C.CopyAndAppend(Crc32C.SegmentSeed, source, destination);

        Assert.Equal(Crc32C.Segment(source), crc);
        Assert.True(source.AsSpan().SequenceEqual(destination.AsSpan(0, length)));
        Assert.All(destination[length..], b => Assert.Equal(0, b)); // nothing written past the copy
    }

    [Fact]
    public void Copying_into_a_destination_too_short_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Crc32C.CopyAndAppend(0, new byte[10], new byte[9]));

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

    [Theory]
    [MemberData(nameof(PathsAndSeeds))]
    public void Every_length_from_0_to_4096_gives_the_bitwise_reference_crc(string path, uint seed)
    {
        uint[] expected = ReferenceUpTo4096.GetOrAdd(seed, s =>
        {
            uint[] crcs = new uint[4097];
            for (int length = 0; length <= 4096; length++)
            {
                crcs[length] = Reference(s, Random1MiB.AsSpan(length % 64, length));
            }

            return crcs;
        });

        for (int length = 0; length <= 4096; length++)
        {
            uint? actual = Compute(path, seed, Random1MiB.AsSpan(length % 64, length));
            if (actual is not null && actual != expected[length])
            {
                Assert.Fail($"{path}: length {length}, seed 0x{seed:X8}: expected 0x{expected[length]:X8}, got 0x{actual:X8}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndLargeLengths))]
    public void Large_inputs_give_the_bitwise_reference_crc(string path, int length)
    {
        ReadOnlySpan<byte> data = Random1MiB.AsSpan(length % 61, length);
        uint? actual = Compute(path, Crc32C.SegmentSeed, data);
        if (actual is not null)
        {
            Assert.Equal(Reference(Crc32C.SegmentSeed, data), actual);
        }
    }

    [Fact]
    public void A_sequence_cut_at_random_places_gives_the_bitwise_reference_crc()
    {
        var random = new Random(5);
        for (int round = 0; round < 200; round++)
        {
            int length = random.Next(round < 100 ? 600 : 20000);
            byte[] data = Random1MiB.AsSpan(random.Next(64), length).ToArray();
            int[] cuts = [.. Enumerable.Range(0, random.Next(1, 7)).Select(_ => random.Next(length + 1))];
            ReadOnlySequence<byte> sequence = Harness.Sequences.Split(data, cuts);

            Assert.Equal(Reference(ArbitrarySeed, data), Crc32C.Append(ArbitrarySeed, sequence));
        }
    }

    [Fact]
    public void Appending_in_two_calls_gives_the_crc_of_the_whole()
    {
        ReadOnlySpan<byte> data = Random1MiB.AsSpan(0, 10000);
        uint whole = Crc32C.Segment(data);
        for (int cut = 0; cut <= data.Length; cut += 97)
        {
            Assert.Equal(whole, Crc32C.Append(Crc32C.Segment(data[..cut]), data[cut..]));
        }
    }

    [Fact]
    public void Computing_a_crc_allocates_nothing()
    {
        int[] lengths = [100, 300, 4096, 1 << 20];
        uint sink = 0;
        foreach (string path in PathNames)
        {
            foreach (int length in lengths)
            {
                sink ^= Compute(path, sink, Random1MiB.AsSpan(0, length)) ?? 0;
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (string path in PathNames)
        {
            foreach (int length in lengths)
            {
                sink ^= Compute(path, sink, Random1MiB.AsSpan(0, length)) ?? 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // Ceph's own vectors, from src/test/common/test_crc32c.cc in ceph/ceph (Pacific era): the expected
    // values of its Small, PartialWord, Big, Performance, Range and RangeZero tests.

    [Theory]
    [InlineData("foo bar baz", 0u, 4119623852u)]
    [InlineData("foo bar baz", 1234u, 881700046u)]
    [InlineData("whiz bang boom", 0u, 2360230088u)]
    [InlineData("whiz bang boom", 5678u, 3743019208u)]
    public void Cephs_short_string_vectors_hold(string text, uint seed, uint expected) =>
        Assert.Equal(expected, Crc32C.Append(seed, Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData(5, 2715569182u)]
    [InlineData(35, 440531800u)]
    public void Cephs_partial_word_vectors_of_one_bytes_hold(int length, uint expected) =>
        Assert.Equal(expected, Crc32C.Append(0, Filled(length, 1)));

    [Theory]
    [InlineData(0u, 31583199u)]
    [InlineData(1234u, 1400919119u)]
    public void Cephs_4096000_one_bytes_vectors_hold(uint seed, uint expected) =>
        Assert.Equal(expected, Crc32C.Append(seed, Filled(4096000, 1)));

    [Theory]
    [InlineData(0u, 261108528u)]
    [InlineData(0xFFFFFFFFu, 3895876243u)]
    public void Cephs_1000_MiB_counting_bytes_vectors_hold(uint seed, uint expected)
    {
        // Ceph fills 1000 MiB with i & 0xFF. 1 MiB of that pattern ends on a multiple of 256, so appending
        // it 1000 times hashes the same bytes without holding a gigabyte.
        byte[] mebibyte = new byte[1 << 20];
        for (int i = 0; i < mebibyte.Length; i++)
        {
            mebibyte[i] = (byte)i;
        }

        uint crc = seed;
        for (int i = 0; i < 1000; i++)
        {
            crc = Crc32C.Append(crc, mebibyte);
        }

        Assert.Equal(expected, crc);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Cephs_range_table_over_one_bytes_holds_for_every_length_from_512_down_to_1(string path) =>
        AssertCephRange(path, CephCrc32CVectors.OnesRange, fill: 1, seed: 0);

    [Theory]
    [MemberData(nameof(Paths))]
    public void Cephs_range_table_over_zero_bytes_holds_for_every_length_from_512_down_to_1(string path) =>
        AssertCephRange(path, CephCrc32CVectors.ZerosRange, fill: 0, seed: 1);

    [Fact]
    public void The_bitwise_reference_itself_gives_the_published_check_values()
    {
        // CRC-32C's catalogued check value for "123456789" is 0xE3069283 with the usual inversion on
        // both ends; in Ceph's raw form that is seed 0xFFFFFFFF and the result inverted.
        Assert.Equal(0xE3069283u, ~Reference(0xFFFFFFFF, Check));
        Assert.Equal(4119623852u, Reference(0, Encoding.ASCII.GetBytes("foo bar baz")));
    }

    private static void AssertCephRange(string path, uint[] table, byte fill, uint seed)
    {
        Assert.Equal(512, table.Length);
        byte[] buffer = Filled(table.Length, fill);
        uint crc = seed;
        for (int i = 0; i < table.Length; i++)
        {
            uint? next = Compute(path, crc, buffer.AsSpan(i));

            // A path not used at this length (or not on this CPU) hands over to Append, so the walk goes on.
            crc = next ?? Crc32C.Append(crc, buffer.AsSpan(i));
            Assert.True(table[i] == crc, $"{path}: entry {i} (length {table.Length - i}): expected 0x{table[i]:X8}, got 0x{crc:X8}");
        }
    }

    /// <summary>
    /// The CRC by <paramref name="path"/>, or null where that path is not used: the interleaved and
    /// folded forms need CPU support, and folding needs at least 256 bytes (Append only folds from 512).
    /// </summary>
    private static uint? Compute(string path, uint seed, ReadOnlySpan<byte> data) => path switch
    {
        "Append" => Crc32C.Append(seed, data),
        "SingleStream" => Crc32C.AppendSingleStream(seed, data),
        "Interleaved" => Crc32C.CanInterleave ? Crc32C.AppendInterleaved(seed, data) : null,
        "Folded" => Crc32C.CanFold && data.Length >= 256 ? Crc32C.AppendFolded(seed, data) : null,
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, null),
    };

    /// <summary>
    /// CRC-32C one bit at a time, straight from the definition: reflected, polynomial 0x82F63B78, the seed
    /// as the initial register and no final XOR (Ceph's <c>ceph_crc32c</c>).
    /// </summary>
    private static uint Reference(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return crc;
    }

    private static byte[] Filled(int length, byte value)
    {
        byte[] bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
