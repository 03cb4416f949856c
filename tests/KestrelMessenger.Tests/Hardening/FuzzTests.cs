using System.Buffers;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>
/// Seeded mutations of every golden frame, a bounded number per run: raw byte damage fed to the frame
/// decoder, and CRC-correct structural damage (re-framed with valid CRCs, so the payload decoders see
/// it) fed to the handshake frames' decoders and to <see cref="MessageRegistry.Decode"/>. Whatever the
/// bytes, the only exceptions are the decode and protocol ones, and no decode allocates beyond a small
/// multiple of what it was given.
/// </summary>
public class FuzzTests
{
    private const int MutationsPerSeed = 1000;

    private static readonly uint[] InterestingU32 = [0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];

    private static readonly MessageRegistry Registry = MessageRegistry.CreateDefault();

    public static TheoryData<string> Seeds => GoldenFrames.FrameTitles();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Damaged_bytes_are_refused_by_the_frame_decoder_with_a_frame_error_or_wait_for_more(string title)
    {
        byte[] golden = GoldenFrames.Get(title).Bytes;
        var random = new Random(Seed(title));
        for (int i = 0; i < MutationsPerSeed; i++)
        {
            byte[] wire = Mutate(golden, random);
            Bounded(wire.Length, () =>
            {
                try
                {
                    var input = random.Next(2) == 0 ? new ReadOnlySequence<byte>(wire) : Sequences.Split(wire, random.Next(wire.Length + 1), random.Next(wire.Length + 1));
                    if (FrameDecoder.TryDecode(input, FrameLimits.Default, out Frame frame, out long length))
                    {
                        Assert.InRange(length, FrameLayout.PreambleLength, wire.Length);
                        Assert.Equal(length, frame.Segment0.Length + frame.Segment1.Length + frame.Segment2.Length + frame.Segment3.Length
                            + FrameLayout.PreambleLength + (frame.Segment0.Length > 0 ? 4 : 0) + (frame.SegmentCount > 1 ? FrameLayout.EpilogueLength : 0));
                    }
                }
                catch (FrameException)
                {
                }
            });
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Damaged_payloads_in_valid_frames_decode_or_are_refused_as_malformed(string title)
    {
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(GoldenFrames.Get(title).Bytes), FrameLimits.Default, out Frame golden, out _));
        byte[][] segments = [.. Enumerable.Range(0, 4).Select(i => golden.Segment(i).ToArray())];
        var random = new Random(Seed(title) ^ 0x5eed);
        int[] outcomes = new int[2];
        for (int i = 0; i < MutationsPerSeed; i++)
        {
            byte[][] damaged = [.. segments.Select(s => (byte[])s.Clone())];
            int target = golden.Tag == Tag.Message ? random.Next(1, 4) : 0;
            if (golden.Tag == Tag.Message && random.Next(4) == 0)
            {
                // Another typed message's decoder reads this front; or a version it must cope with.
                var header = MessageHeader.Read(damaged[0]);
                ushort[] types = [.. Registry.RegisteredTypes];
                header = random.Next(2) == 0 ? header with { Type = types[random.Next(types.Length)] } : header with { Version = (ushort)random.Next(0, 20) };
                header.Write(damaged[0]);
            }

            damaged[target] = Mutate(damaged[target], random);
            byte[] wire = Frame(golden.Tag, damaged);
            Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out _));
            Bounded(wire.Length, () => outcomes[DecodePayload(frame) ? 0 : 1]++);
        }

        // The run reached the decoders both ways: some damage decodes, some is refused.
        Assert.True(outcomes[0] > 0 && outcomes[1] > 0, $"{outcomes[0]} decoded, {outcomes[1]} refused");
    }

    /// <summary>Decodes the frame as the handshake or the read loop would (true), or refuses it (false); only decode and protocol errors may come out.</summary>
    private static bool DecodePayload(in Frame frame)
    {
        ReadOnlyMemory<byte> payload = frame.Segment0.ToArray();
        try
        {
            _ = frame.Tag switch
            {
                Tag.Hello => ControlFrame.Decode<HelloFrame>(payload),
                Tag.AuthRequest => ControlFrame.Decode<AuthRequestFrame>(payload),
                Tag.AuthBadMethod => ControlFrame.Decode<AuthBadMethodFrame>(payload),
                Tag.AuthReplyMore => ControlFrame.Decode<AuthReplyMoreFrame>(payload),
                Tag.AuthRequestMore => ControlFrame.Decode<AuthRequestMoreFrame>(payload),
                Tag.AuthDone => ControlFrame.Decode<AuthDoneFrame>(payload),
                Tag.AuthSignature => ControlFrame.Decode<AuthSignatureFrame>(payload),
                Tag.ClientIdent => ControlFrame.Decode<ClientIdentFrame>(payload),
                Tag.ServerIdent => ControlFrame.Decode<ServerIdentFrame>(payload),
                Tag.IdentMissingFeatures => ControlFrame.Decode<IdentMissingFeaturesFrame>(payload),
                Tag.SessionReconnect => ControlFrame.Decode<SessionReconnectFrame>(payload),
                Tag.SessionReset => ControlFrame.Decode<SessionResetFrame>(payload),
                Tag.SessionRetry => ControlFrame.Decode<SessionRetryFrame>(payload),
                Tag.SessionRetryGlobal => ControlFrame.Decode<SessionRetryGlobalFrame>(payload),
                Tag.SessionReconnectOk => ControlFrame.Decode<SessionReconnectOkFrame>(payload),
                Tag.Wait => ControlFrame.Decode<WaitFrame>(payload),
                Tag.Keepalive2 => ControlFrame.Decode<Keepalive2Frame>(payload),
                Tag.Keepalive2Ack => ControlFrame.Decode<Keepalive2AckFrame>(payload),
                Tag.Ack => ControlFrame.Decode<AckFrame>(payload),
                Tag.Message => (object)DecodeMessage(frame),
                _ => throw new InvalidOperationException($"no decoder for {frame.Tag}"),
            };
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
        catch (DecodeException e)
        {
            // A typed decoder that tripped (an index, a cast) is wrapped by the registry: that is a bug to fix, not a refusal.
            Assert.True(e.InnerException is null, $"{e.Message}\n{e.InnerException}");
            return false;
        }
    }

    private static object DecodeMessage(in Frame frame)
    {
        if (frame.Segment0.Length != MessageHeader.Length)
        {
            throw new ProtocolException("header length");
        }

        MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
        using Message message = Registry.Decode(header, frame.Segment1, frame.Segment2, frame.Segment3);
        return message.ToString();
    }

    /// <summary>Runs <paramref name="decode"/> and checks it allocated no more than a small multiple of its input.</summary>
    private static void Bounded(int inputLength, Action decode)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        decode();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= (64L * inputLength) + (256 << 10), $"decoding {inputLength} bytes allocated {allocated}");
    }

    /// <summary>One random structural change: bits, bytes, a u32 field, truncation, extension, a duplicated run.</summary>
    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        int changes = 1 + random.Next(3);
        for (int c = 0; c < changes; c++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)InterestingU32[random.Next(InterestingU32.Length)];
                    break;
                case 2 when bytes.Count >= 4:
                    at = Math.Min(at, bytes.Count - 4);
                    uint value = random.Next(3) == 0 ? (uint)(bytes.Count - at + random.Next(-2, 3)) : InterestingU32[random.Next(InterestingU32.Length)];
                    for (int b = 0; b < 4; b++)
                    {
                        bytes[at + b] = (byte)(value >> (8 * b));
                    }

                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 5 when bytes.Count > 0:
                    int length = Math.Min(random.Next(1, 32), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] Frame(Tag tag, byte[][] segments)
    {
        var w = new ArrayBufferWriter<byte>();
        FrameEncoder.Write(w, tag, segments[0], new ReadOnlySequence<byte>(segments[1]), new ReadOnlySequence<byte>(segments[2]), new ReadOnlySequence<byte>(segments[3]));
        return w.WrittenSpan.ToArray();
    }

    private static int Seed(string title) => title.Aggregate(17, (h, c) => (h * 31) + c);
}
