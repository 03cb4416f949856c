using System.Buffers;
using System.Text.Json;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Messages;

/// <summary>
/// MCommand / MCommandReply (<c>ceph tell</c>) decode from the frames the real 16.2.15 CLI, librados and
/// ceph-osd exchanged (tcpdump on loopback), and encode back to the same bytes: front, data, whole frame.
/// </summary>
public class CommandGoldenTests
{
    private const string File = "golden-ceph-tell: ";
    private const string Descriptions = File + "ceph CLI -> osd.0 MCommand tid 1 get_command_descriptions";
    private const string Version = File + "ceph CLI -> osd.0 MCommand tid 2 version";
    private const string VersionReply = File + "osd.0 -> ceph CLI MCommandReply tid 2";
    private const string Unknown = File + "librados -> osd.0 MCommand tid 1 no-such-command";
    private const string UnknownReply = File + "osd.0 -> librados MCommandReply tid 1";

    public static TheoryData<string> All => [Descriptions, Version, VersionReply, Unknown, UnknownReply];

    private sealed record Golden(Message Message, MessageHeader Header, byte[] Front, byte[] Data, byte[] Wire);

    private static Golden Decode(string title)
    {
        byte[] wire = Harness.GoldenFrames.Get(title).Bytes;
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(wire), FrameLimits.Default, out Frame frame, out _));
        MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
        Message m = MessageRegistry.CreateDefault().Decode(header, frame.Segment1, frame.Segment2, frame.Segment3);
        return new Golden(m, header, frame.Segment1.ToArray(), frame.Segment3.ToArray(), wire);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Every_golden_frame_reencodes_byte_for_byte(string title)
    {
        Golden golden = Decode(title);

        // A freshly made typed message already carries what Ceph puts in the header.
        Message fresh = MessageRegistry.CreateDefault().Create(golden.Header.Type);
        Assert.Equal((golden.Header.Version, golden.Header.CompatVersion, golden.Header.Priority), (fresh.Version, fresh.CompatVersion, fresh.Priority));

        using var scratch = new DencWriter();
        byte[] front = golden.Message.EncodeFront(scratch, CephFeatures.All).ToArray();
        Assert.Equal(Convert.ToHexString(golden.Front), Convert.ToHexString(front));

        var header = new MessageHeader
        {
            Seq = golden.Header.Seq,
            Tid = golden.Message.Tid,
            Type = golden.Message.Type,
            Priority = golden.Message.Priority,
            Version = golden.Message.Version,
            DataOffset = golden.Message.DataOffset,
            AckSeq = golden.Header.AckSeq,
            Flags = MessageHeader.DefaultFlags,
            CompatVersion = golden.Message.CompatVersion,
        };
        byte[] headerBytes = new byte[MessageHeader.Length];
        header.Write(headerBytes);
        var output = new ArrayBufferWriter<byte>();
        FrameEncoder.Write(output, Tag.Message, headerBytes, new ReadOnlySequence<byte>(front), default, new ReadOnlySequence<byte>(golden.Message.Data.Memory));
        Assert.Equal(Convert.ToHexString(golden.Wire), Convert.ToHexString(output.WrittenSpan));
    }

    [Fact]
    public void The_cli_asks_for_the_command_descriptions_then_sends_the_validated_command()
    {
        var descriptions = Assert.IsType<MCommand>(Decode(Descriptions).Message);
        var version = Assert.IsType<MCommand>(Decode(Version).Message);
        Assert.Equal((1ul, 2ul), (descriptions.Tid, version.Tid));
        Assert.Equal(descriptions.Fsid, version.Fsid);
        Assert.NotEqual(Guid.Empty, version.Fsid);
        Assert.Equal(["{\"prefix\": \"get_command_descriptions\"}"], descriptions.Command);
        Assert.Equal(["{\"prefix\": \"version\"}"], version.Command);
    }

    [Fact]
    public void A_real_osd_answers_version_with_pretty_json_in_the_data_segment()
    {
        var reply = Assert.IsType<MCommandReply>(Decode(VersionReply).Message);
        Assert.Equal((2ul, 0, ""), (reply.Tid, reply.Result, reply.Status));
        Assert.EndsWith("}\n", reply.Output);
        using JsonDocument json = JsonDocument.Parse(reply.Output);
        Assert.Equal("16.2.15", json.RootElement.GetProperty("version").GetString());
        Assert.Equal("pacific", json.RootElement.GetProperty("release").GetString());
        Assert.Equal("stable", json.RootElement.GetProperty("release_type").GetString());
    }

    [Fact]
    public void A_real_osd_answers_an_unknown_prefix_with_einval_and_a_reason()
    {
        var command = Assert.IsType<MCommand>(Decode(Unknown).Message);
        Assert.Equal(["{\"prefix\": \"no-such-command\"}"], command.Command);
        var reply = Assert.IsType<MCommandReply>(Decode(UnknownReply).Message);
        Assert.Equal((1ul, -22, "unknown command prefix no-such-command", ""), (reply.Tid, reply.Result, reply.Status, reply.Output));
    }

    [Fact]
    public void For_echoes_the_tid_and_carries_the_output_in_the_data_segment()
    {
        var command = new MCommand { Tid = 9 };
        using MCommandReply reply = MCommandReply.For(command, -95, "no", "out"u8);
        Assert.Equal((9ul, -95, "no", "out"), (reply.Tid, reply.Result, reply.Status, reply.Output));
    }

    [Fact]
    public void A_truncated_command_is_a_decode_error_not_a_crash()
    {
        byte[] front = Decode(Version).Front;
        var m = new MCommand { Front = MessageBuffer.CopyOf(front.AsSpan(0, front.Length - 3)) };
        Assert.Throws<DecodeException>(m.DecodeFront);
    }
}
