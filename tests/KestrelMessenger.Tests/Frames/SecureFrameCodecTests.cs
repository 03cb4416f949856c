using System.Buffers;
using System.Text.RegularExpressions;
using KestrelMessenger.Frames;
using KestrelMessenger.Tests.Harness;

namespace KestrelMessenger.Tests.Frames;

/// <summary>
/// msgr2.1 secure mode (AES-128-GCM) against the reference's worked example and vectors computed
/// independently by TestData/secure_vectors.py (python `cryptography`, written from Ceph's definition).
/// </summary>
public class SecureFrameCodecTests
{
    private static readonly byte[] Secret = Convert.FromHexString(
        "C0FFEE00112233445566778899AABBCC" + "D4C3B2A1FEFFFFFF00000000" + "01DEC05EFDFFFFFFFFFF0000" + new string('5', 48));

    private static SecureFrameCodec Client(byte[]? secret = null) => SecureFrameCodec.FromConnectionSecret(secret ?? Secret, isServer: false);

    private static SecureFrameCodec Server(byte[]? secret = null) => SecureFrameCodec.FromConnectionSecret(secret ?? Secret, isServer: true);

    private static byte[] Encode(FrameCodec codec, Tag tag, byte[] s0, byte[]? s1 = null, byte[]? s2 = null, byte[]? s3 = null)
    {
        var output = new ArrayBufferWriter<byte>();
        codec.Write(output, tag, s0, Seq(s1), Seq(s2), Seq(s3));
        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Seq(byte[]? bytes) => bytes is null ? default : new ReadOnlySequence<byte>(bytes);

    private static byte[] Pattern(int length, int seed)
    {
        byte[] b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>The reader's two steps, once, over everything buffered.</summary>
    private static bool TryRead(FrameCodec codec, in ReadOnlySequence<byte> input, out Frame frame, out long length)
    {
        frame = default;
        length = codec.PreambleBlockLength;
        return codec.TryReadPreamble(input, out FramePreamble p) && codec.TryDecodeBody(input, p, out frame, out length);
    }

    private static Frame Decode(FrameCodec codec, byte[] wire)
    {
        Assert.True(TryRead(codec, new ReadOnlySequence<byte>(wire), out Frame frame, out long length));
        Assert.Equal(wire.Length, length);
        return frame;
    }

    private static FrameError Refused(FrameCodec codec, byte[] wire) =>
        Assert.Throws<FrameException>(() => TryRead(codec, new ReadOnlySequence<byte>(wire), out _, out _)).Error;

    private static void AssertSegments(Frame frame, params byte[]?[] expected)
    {
        for (int i = 0; i < 4; i++)
        {
            byte[] want = i < expected.Length ? expected[i] ?? [] : [];
            Assert.Equal(Convert.ToHexString(want), Convert.ToHexString(frame.Segment(i).ToArray()));
        }
    }

    // ---- the reference's worked example -------------------------------------------------------

    private static (byte[] Wire, string NextNonce) WorkedExample()
    {
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "worked-examples.txt"));
        int start = Array.FindIndex(lines, l => l.StartsWith("SECURE:", StringComparison.Ordinal));
        int wire = Array.FindIndex(lines, start, l => l.Contains("on-wire", StringComparison.Ordinal));
        string hex = string.Concat(lines.Skip(wire + 1).TakeWhile(l => Regex.IsMatch(l, @"^\s+[0-9a-f]{4}:"))
            .Select(l => l[(l.IndexOf(':') + 1)..].Replace(" ", "")));
        string next = lines.Skip(wire).First(l => l.Contains("next nonce", StringComparison.Ordinal)).Split('=')[1].Trim();
        return (Convert.FromHexString(hex), next);
    }

    // key 00..0f; the client's tx nonce (bytes 28..40) is the example's 44332211 0700000000000000.
    private static readonly byte[] WorkedSecret = Convert.FromHexString(
        "000102030405060708090A0B0C0D0E0F" + "000000000000000000000000" + "443322110700000000000000");

    [Fact]
    public void The_worked_example_keepalive_encrypts_byte_for_byte_and_steps_the_counter_to_8()
    {
        (byte[] expected, string next) = WorkedExample();
        Assert.Equal(96, expected.Length);
        using SecureFrameCodec client = Client(WorkedSecret);

        byte[] wire = Encode(client, Tag.Keepalive2, Convert.FromHexString("00F1536515CD5B07"));

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(wire));
        Assert.Equal("443322110800000000000000", next);
        Assert.Equal(8UL, client.Counters.Tx);
    }

    [Fact]
    public void The_worked_example_decrypts_on_the_server_side_with_the_crossed_nonce()
    {
        using SecureFrameCodec server = Server(WorkedSecret);
        Frame frame = Decode(server, WorkedExample().Wire);
        Assert.Equal(Tag.Keepalive2, frame.Tag);
        AssertSegments(frame, Convert.FromHexString("00F1536515CD5B07"));
        Assert.Equal(8UL, server.Counters.Rx);
    }

    // ---- independent vectors -----------------------------------------------------------------

    private sealed record Vector(string Kind, string Name, string Direction, Tag Tag, int Ops, byte[][] Segments, bool Aborted, byte[] Wire);

    private static readonly Lazy<(byte[] Secret, Vector[] Vectors)> Vectors = new(() =>
    {
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "secure_vectors.txt"));
        byte[] secret = Convert.FromHexString(lines[0].Split(' ')[1]);
        Vector[] vectors = [.. lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            string[] f = l.Split(' ');
            byte[][] segs = [.. f.Skip(5).Take(4).Select(h => h == "-" ? [] : Convert.FromHexString(h))];
            return new Vector(f[0], f[1], f[2], (Tag)byte.Parse(f[3]), int.Parse(f[4]), segs, f[9] == "1", Convert.FromHexString(f[10]));
        })];
        return (secret, vectors);
    });

    private static IEnumerable<Vector> Sent(string direction) => Vectors.Value.Vectors.Where(v => v.Kind == "frame" && v.Direction == direction);

    [Fact]
    public void The_vector_file_uses_the_secret_these_tests_name_and_covers_one_two_and_three_operations()
    {
        Assert.Equal(Convert.ToHexString(Vectors.Value.Secret[..40]), Convert.ToHexString(Secret[..40]));
        Assert.Equal([1, 2, 3], Sent("c2s").Select(v => v.Ops).Distinct().Order());
    }

    [Theory]
    [InlineData("c2s")]
    [InlineData("s2c")]
    public void Frames_encrypt_exactly_as_the_independent_vectors_with_the_counter_stepping_once_per_gcm_operation(string direction)
    {
        using SecureFrameCodec sender = direction == "c2s" ? Client(Vectors.Value.Secret) : Server(Vectors.Value.Secret);
        foreach (Vector v in Sent(direction))
        {
            ulong before = sender.Counters.Tx;
            byte[] wire = Encode(sender, v.Tag, v.Segments[0], v.Segments[1], v.Segments[2], v.Segments[3]);
            Assert.True(Convert.ToHexString(v.Wire) == Convert.ToHexString(wire), $"{v.Name} differs from the python vector");
            Assert.Equal((ulong)v.Ops, unchecked(sender.Counters.Tx - before));
        }
    }

    [Theory]
    [InlineData("c2s")]
    [InlineData("s2c")]
    public void The_independent_vectors_decrypt_on_the_other_side(string direction)
    {
        using SecureFrameCodec receiver = direction == "c2s" ? Server(Vectors.Value.Secret) : Client(Vectors.Value.Secret);
        foreach (Vector v in Sent(direction))
        {
            ulong before = receiver.Counters.Rx;
            Frame frame = Decode(receiver, v.Wire);
            Assert.Equal(v.Tag, frame.Tag);
            Assert.False(frame.Aborted);
            AssertSegments(frame, v.Segments);
            Assert.Equal((ulong)v.Ops, unchecked(receiver.Counters.Rx - before));
        }
    }

    [Fact]
    public void The_counter_is_the_le64_at_bytes_4_to_12_and_carries_past_32_bits()
    {
        // The client's tx counter starts at 0x0000FFFFFFFFFFFD and its rx counter at 0xFFFFFFFE: the
        // vectors above only match if all 64 bits step (a u32 step, as in msgr2.0, would wrap).
        using SecureFrameCodec client = Client(Vectors.Value.Secret);
        Assert.Equal((0x00000000FFFFFFFEUL, 0x0000FFFFFFFFFFFDUL), client.Counters);
        int ops = Sent("c2s").Sum(v => v.Ops);
        foreach (Vector v in Sent("c2s"))
        {
            Encode(client, v.Tag, v.Segments[0], v.Segments[1], v.Segments[2], v.Segments[3]);
        }

        Assert.Equal(0x0000FFFFFFFFFFFDUL + (ulong)ops, client.Counters.Tx);
    }

    private static Vector RxOnly(string name) => Vectors.Value.Vectors.Single(v => v.Kind == "rxonly" && v.Name == name);

    /// <summary>A server-role codec that has already received every c2s vector frame (the rx-only vectors continue that nonce sequence).</summary>
    private static SecureFrameCodec ServerAfterSentFrames()
    {
        SecureFrameCodec server = Server(Vectors.Value.Secret);
        foreach (Vector v in Sent("c2s"))
        {
            Decode(server, v.Wire);
        }

        return server;
    }

    [Fact]
    public void An_aborted_frame_decodes_marked_aborted_and_a_bad_late_status_is_refused()
    {
        using SecureFrameCodec server = ServerAfterSentFrames();
        Vector aborted = RxOnly("aborted");
        Frame frame = Decode(server, aborted.Wire);
        Assert.True(aborted.Aborted);
        Assert.True(frame.Aborted);
        AssertSegments(frame, aborted.Segments);

        Decode(server, RxOnly("nonzero_padding").Wire);
        Assert.Equal(FrameError.BadLateStatus, Refused(server, RxOnly("bad_late_status").Wire));
    }

    [Fact]
    public void Padding_and_the_epilogue_reserved_bytes_are_ignored_on_receive_as_Ceph_ignores_them()
    {
        using SecureFrameCodec server = ServerAfterSentFrames();
        Decode(server, RxOnly("aborted").Wire);
        Vector v = RxOnly("nonzero_padding");
        Frame frame = Decode(server, v.Wire);
        Assert.False(frame.Aborted);
        AssertSegments(frame, v.Segments);
    }

    // ---- round trips ------------------------------------------------------------------------------

    public static TheoryData<int, int, int, int> Shapes()
    {
        int[] sizes = [0, 1, 15, 16, 17, 47, 48, 49, 63, 64, 65, 4096, 65537];
        var data = new TheoryData<int, int, int, int>();
        foreach (int s in sizes)
        {
            data.Add(s, 0, 0, 0);       // control frames
            data.Add(41, s, 0, 0);      // header + front
            data.Add(s, 1, s, 0);       // three segments
            if (s > 0)
            {
                data.Add(41, 0, 0, s);  // header + data, empty front and middle
            }

            data.Add(s, s, s, s + 1);   // all four
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Frames_of_every_shape_round_trip_from_client_to_server_and_back(int len0, int len1, int len2, int len3)
    {
        byte[] s0 = Pattern(len0, 0), s1 = Pattern(len1, 1), s2 = Pattern(len2, 2), s3 = Pattern(len3, 3);
        using SecureFrameCodec client = Client(), server = Server();
        foreach ((SecureFrameCodec from, SecureFrameCodec to) in new[] { (client, server), (server, client) })
        {
            for (int round = 0; round < 2; round++) // a second frame proves both nonces stayed in step
            {
                byte[] wire = Encode(from, Tag.Message, s0, s1, s2, s3);
                FramePreamble expected = new(Tag.Message, len3 > 0 ? 4 : len2 > 0 ? 3 : len1 > 0 ? 2 : 1, len0, len1, len2, len3);
                Assert.Equal(SecureFrameLayout.FrameLength(expected), wire.Length);
                Frame frame = Decode(to, wire);
                Assert.Equal(expected.SegmentCount, frame.SegmentCount);
                AssertSegments(frame, s0, s1, s2, s3);
            }
        }
    }

    [Fact]
    public void The_wire_layout_is_96_bytes_then_padded_blocks_each_with_a_tag()
    {
        using SecureFrameCodec client = Client();
        Assert.Equal(96, Encode(client, Tag.Wait, []).Length);
        Assert.Equal(96, Encode(client, Tag.Keepalive2, new byte[48]).Length);
        Assert.Equal(96 + 16 + 16, Encode(client, Tag.Keepalive2, new byte[49]).Length);
        Assert.Equal(96 + 80 + 16, Encode(client, Tag.ClientIdent, new byte[123]).Length);                     // 75 -> 80
        Assert.Equal(96 + (16 + 16) + 16, Encode(client, Tag.Message, new byte[41], new byte[1]).Length);      // front 1 -> 16, epilogue 16
        Assert.Equal(96 + 208 + 16 + 16, Encode(client, Tag.Message, new byte[41], new byte[200]).Length);     // the MonMap shape in msgr2.md §9
        Assert.Equal(96 + (4096 + 16) + 16, Encode(client, Tag.Message, new byte[41], null, null, new byte[4096]).Length);
    }

    [Fact]
    public void Trailing_empty_segments_are_trimmed_so_a_control_frame_costs_one_operation()
    {
        using SecureFrameCodec client = Client(), server = Server();
        ulong before = client.Counters.Tx;
        byte[] wire = Encode(client, Tag.Ack, new byte[8], [], [], []);
        Assert.Equal(1UL, client.Counters.Tx - before);
        Assert.Equal(1, Decode(server, wire).SegmentCount);
    }

    // ---- split input --------------------------------------------------------------------------------

    public static TheoryData<int, int, int, int> SmallShapes() => new()
    {
        { 0, 0, 0, 0 }, { 8, 0, 0, 0 }, { 47, 0, 0, 0 }, { 48, 0, 0, 0 }, { 49, 0, 0, 0 }, { 65, 0, 0, 0 },
        { 41, 5, 0, 0 }, { 41, 0, 0, 17 }, { 60, 3, 2, 33 },
    };

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void A_frame_arriving_one_byte_at_a_time_decodes_once_using_each_nonce_once(int len0, int len1, int len2, int len3)
    {
        byte[] s0 = Pattern(len0, 4), s1 = Pattern(len1, 5), s2 = Pattern(len2, 6), s3 = Pattern(len3, 7);
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, s0, s1, s2, s3);
        ulong start = server.Counters.Rx;

        for (int have = 0; have <= wire.Length; have++)
        {
            // The buffered bytes grow; the pipe hands them over as a chain split at two moving points.
            byte[] buffered = wire[..have];
            ReadOnlySequence<byte> input = Sequences.Split(buffered, have / 3, (2 * have / 3) + 1);
            bool done = TryRead(server, input, out Frame frame, out long length);
            Assert.Equal(have == wire.Length, done);
            Assert.Equal(have < 96 ? 96 : wire.Length, length);
            Assert.Equal(done ? client.Counters.Tx : have < 96 ? start : start + 1, server.Counters.Rx);
            if (done)
            {
                AssertSegments(frame, s0, s1, s2, s3);
            }
        }

        Assert.Equal(client.Counters.Tx, server.Counters.Rx);
    }

    [Fact]
    public void Frames_split_at_every_byte_of_a_stream_decode_in_order()
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[][] payloads = [.. new[] { 0, 8, 48, 49, 100 }.Select(n => Pattern(n, n))];
        byte[] stream = [.. payloads.SelectMany(p => Encode(client, Tag.Keepalive2, p))];

        for (int split = 1; split < stream.Length; split++)
        {
            using SecureFrameCodec reader = Server();
            ReadOnlySequence<byte> input = Sequences.Split(stream, split, split + 1, split + 17);
            foreach (byte[] expected in payloads)
            {
                Assert.True(TryRead(reader, input, out Frame frame, out long length));
                Assert.Equal(expected, frame.Segment0.ToArray());
                input = input.Slice(length);
            }

            Assert.True(input.IsEmpty);
        }
    }

    [Fact]
    public void A_4_MiB_message_split_into_4_KiB_buffers_round_trips()
    {
        byte[] data = Pattern(4 << 20, 9);
        byte[] front = Pattern(300, 10);
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, new byte[41], front, null, data);
        int[] cuts = [.. Enumerable.Range(1, wire.Length / 4096).Select(i => i * 4096)];
        Assert.True(TryRead(server, Sequences.Split(wire, cuts), out Frame frame, out long length));
        Assert.Equal(wire.Length, length);
        Assert.Equal(front, frame.Segment1.ToArray());
        Assert.True(data.AsSpan().SequenceEqual(frame.Segment3.ToArray()));
    }

    [Theory]
    [InlineData(1000, false)]
    [InlineData(64 * 1024 - 1000, false)]
    [InlineData(64 * 1024, true)]
    [InlineData(4 << 20, true)]
    public void A_large_message_taken_by_the_reader_is_decrypted_into_a_buffer_of_its_own_the_message_can_share(int dataLength, bool owned)
    {
        byte[] data = Pattern(dataLength, 3);
        byte[] front = Pattern(200, 4);
        using SecureFrameCodec client = Client(), server = Server();
        byte[] first = Encode(client, Tag.Message, new byte[41], front, null, data);
        byte[] second = Encode(client, Tag.Message, new byte[41], front, null, Pattern(dataLength, 5));
        Assert.True(server.TryReadPreamble(Sequences.Split(first, 4096), out FramePreamble p));
        Assert.True(server.TryDecodeBody(Sequences.Split(first, 4096), p, out Frame frame, out _, takeSegments: true));
        Assert.Equal(owned, frame.Body is not null);
        Assert.Equal(front, frame.Segment1.ToArray());
        Assert.True(data.AsSpan().SequenceEqual(frame.Segment3.ToArray()));
        using KestrelMessenger.Messages.MessageBuffer? kept = frame.Body is { } body && body.TryShare(frame.Segment3.First, out var shared) ? shared : null;
        frame.Body?.Dispose();

        Decode(server, second); // the codec's next frame does not touch what the first one handed out
        if (owned)
        {
            Assert.True(data.AsSpan().SequenceEqual(kept!.Span));
        }

    }

    [Fact]
    public void Reading_the_preamble_again_while_the_body_is_incomplete_uses_no_nonce()
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, new byte[41], new byte[500]);
        var partial = new ReadOnlySequence<byte>(wire, 0, 200);
        ulong start = server.Counters.Rx;
        for (int i = 0; i < 3; i++)
        {
            Assert.True(server.TryReadPreamble(partial, out FramePreamble p));
            Assert.Equal(500, p.Len1);
            Assert.False(server.TryDecodeBody(partial, p, out _, out long length));
            Assert.Equal(wire.Length, length);
            Assert.Equal(start + 1, server.Counters.Rx); // the first block's nonce, once
        }

        Decode(server, wire);
        Assert.Equal(client.Counters.Tx, server.Counters.Rx);
    }

    [Fact]
    public void Fewer_than_96_bytes_are_not_enough_to_read_the_preamble()
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Wait, []);
        ulong rx = server.Counters.Rx;
        Assert.False(server.TryReadPreamble(new ReadOnlySequence<byte>(wire, 0, 95), out _));
        Assert.Equal(rx, server.Counters.Rx);
        Assert.Equal(96, server.PreambleBlockLength);
        Assert.True(server.IsSecure);
    }

    // ---- tampering --------------------------------------------------------------------------------

    // A 60-byte segment 0 (inline 48 + rest 12 -> 16), front 20 -> 32, data 5 -> 16, epilogue 16.
    //   [0,80) first block ciphertext, [80,96) its tag, [96,112) rest of seg0, [112,128) tag,
    //   [128,160) front, [160,176) data, [176,192) epilogue, [192,208) tag.
    [Theory]
    [InlineData(0, "preamble ciphertext")]
    [InlineData(40, "inline segment 0")]
    [InlineData(79, "inline padding")]
    [InlineData(90, "first block's tag")]
    [InlineData(100, "rest of segment 0")]
    [InlineData(120, "segment 0 block's tag")]
    [InlineData(130, "segment 1")]
    [InlineData(165, "segment 3")]
    [InlineData(176, "epilogue late_status")]
    [InlineData(190, "epilogue reserved byte")]
    [InlineData(207, "last tag")]
    public void A_flipped_bit_anywhere_is_refused_as_a_bad_auth_tag(int offset, string where)
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, Pattern(60, 1), Pattern(20, 2), null, Pattern(5, 3));
        Assert.Equal(208, wire.Length);
        wire[offset] ^= 0x01;
        Assert.True(FrameError.BadAuthTag == Refused(server, wire), where);
    }

    [Fact]
    public void A_frame_decrypted_with_the_wrong_nonce_is_refused()
    {
        using SecureFrameCodec client = Client(), server = Server();
        Encode(client, Tag.Wait, []); // the server never sees this one, so its counter is one behind
        FrameException e = Assert.Throws<FrameException>(() => Decode(server, Encode(client, Tag.Wait, [])));
        Assert.Equal(FrameError.BadAuthTag, e.Error);
        Assert.Contains("authentication", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_clients_cannot_talk_to_each_other_because_the_nonces_are_not_crossed()
    {
        using SecureFrameCodec a = Client(), b = Client();
        Assert.Equal(FrameError.BadAuthTag, Refused(b, Encode(a, Tag.Wait, [])));
    }

    // ---- limits, secrets, nonces, lifetime -------------------------------------------------------

    [Fact]
    public void Limits_are_checked_from_the_first_block_before_the_body_is_buffered()
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, new byte[41], null, null, new byte[5000]);
        var limits = new FrameLimits { MaxDataLength = 4096 };
        FrameException e = Assert.Throws<FrameException>(() => server.TryDecode(new ReadOnlySequence<byte>(wire, 0, 96), limits, out _, out _));
        Assert.Equal(FrameError.SegmentTooLong, e.Error);
    }

    [Fact]
    public void TryDecode_asks_for_the_whole_secure_frame_length()
    {
        using SecureFrameCodec client = Client(), server = Server();
        byte[] wire = Encode(client, Tag.Message, new byte[41], null, null, new byte[5000]);
        Assert.False(server.TryDecode(new ReadOnlySequence<byte>(wire, 0, 50), FrameLimits.Default, out _, out long need));
        Assert.Equal(96, need);
        Assert.False(server.TryDecode(new ReadOnlySequence<byte>(wire, 0, 97), FrameLimits.Default, out _, out need));
        Assert.Equal(wire.Length, need);
        Assert.True(server.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out need));
        Assert.Equal(5000, frame.Segment3.Length);
    }

    [Fact]
    public void A_short_connection_secret_is_refused_without_echoing_it()
    {
        byte[] secret = Convert.FromHexString("DEADBEEFCAFEBABE0123456789ABCDEF00112233445566778899AA"); // 27 bytes
        ArgumentException e = Assert.Throws<ArgumentException>(() => SecureFrameCodec.FromConnectionSecret(secret, isServer: false));
        Assert.DoesNotContain("DEADBEEF", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("222", e.Message, StringComparison.Ordinal); // 0xDE = 222
        Assert.Contains("40", e.Message, StringComparison.Ordinal);
        SecureFrameCodec.FromConnectionSecret(Secret.AsSpan(0, 40), isServer: false).Dispose(); // 40 is enough
    }

    [Fact]
    public void The_sender_refuses_to_reuse_its_initial_nonce_once_the_counter_has_wrapped()
    {
        byte[] key = Secret[..16];
        const ulong Initial = 5;
        // Every counter from 5 round through 2^64-1, 0 .. 2 is spent; 3 and 4 are left.
        using SecureFrameCodec sender = SecureFrameCodec.FromNonces(key, new GcmNonce(Secret.AsSpan(16, 12)), new GcmNonce(0x01020304, Initial, 3));
        var output = new ArrayBufferWriter<byte>();

        sender.WriteControl(output, Tag.Wait, []);
        Assert.Equal(4UL, sender.Counters.Tx);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => sender.WriteControl(output, Tag.Ack, new byte[100])); // 2 ops, 1 left
        Assert.Contains("out of nonces", e.Message, StringComparison.Ordinal);
        Assert.Equal(96, output.WrittenCount); // nothing of the refused frame was written

        sender.WriteControl(output, Tag.Wait, []); // the last one, counter 4
        Assert.Equal(Initial, sender.Counters.Tx);
        Assert.Throws<InvalidOperationException>(() => sender.WriteControl(output, Tag.Wait, []));
        Assert.Equal(192, output.WrittenCount);
    }

    [Fact]
    public void A_fresh_nonce_wraps_its_counter_from_ulong_max_to_zero()
    {
        byte[] secret = (byte[])Secret.Clone();
        Convert.FromHexString("01000000FFFFFFFFFFFFFFFF").CopyTo(secret, 28); // client tx counter = 2^64-1
        using SecureFrameCodec client = Client(secret), server = Server(secret);
        Decode(server, Encode(client, Tag.Wait, []));
        Assert.Equal(0UL, client.Counters.Tx);
        Decode(server, Encode(client, Tag.Wait, []));
        Assert.Equal(1UL, server.Counters.Rx);
    }

    [Fact]
    public void A_disposed_codec_refuses_to_be_used()
    {
        SecureFrameCodec client = Client();
        client.Dispose();
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.WriteControl(new ArrayBufferWriter<byte>(), Tag.Wait, []));
        Assert.Throws<ObjectDisposedException>(() => client.TryReadPreamble(new ReadOnlySequence<byte>(new byte[96]), out _));
    }
}
