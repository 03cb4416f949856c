using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages;

/// <summary>
/// <c>MCommand</c> (MSG_COMMAND, v1): a command for a daemon, as <c>ceph tell osd.N …</c> sends it
/// (librados' <c>osd_command</c>) straight to the daemon's public address. Front: the cluster fsid
/// (16 raw bytes), then the command as a vector of strings that together hold one JSON object
/// (<c>{"prefix": "version"}</c>). Input data, if any, travels in the data segment. The reply is an
/// <see cref="MCommandReply"/> with the same header tid.
/// </summary>
public sealed class MCommand : Message
{
    /// <summary>Creates an empty command.</summary>
    public MCommand() : base(MessageTypes.Command)
    {
    }

    /// <summary>The cluster's fsid, as the client knows it.</summary>
    public Guid Fsid { get; set; }

    /// <summary>The command: strings whose concatenation is one JSON object.</summary>
    public List<string> Command { get; } = [];

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteUuid(Fsid);
        front.WriteStringList(Command);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Fsid = front.ReadUuid();
        Command.Clear();
        front.ReadStringList(Command);
    }

    /// <inheritdoc />
    public override string ToString() => $"command(tid {Tid}: {string.Concat(Command)})";
}

/// <summary>
/// <c>MCommandReply</c> (MSG_COMMAND_REPLY, v1): a daemon's answer to an <see cref="MCommand"/>, matched
/// by the header tid. Front: le32 result (0 or a negative errno) and the status string (the error
/// message, e.g. "unknown command prefix foo"); the command's output is the data segment.
/// </summary>
public sealed class MCommandReply : Message
{
    /// <summary>Creates an empty reply.</summary>
    public MCommandReply() : base(MessageTypes.CommandReply)
    {
    }

    /// <summary>A reply to <paramref name="command"/> (same tid) with its result, status and output.</summary>
    public static MCommandReply For(MCommand command, int result, string status, ReadOnlySpan<byte> output)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new MCommandReply { Tid = command.Tid, Result = result, Status = status, Data = MessageBuffer.CopyOf(output) };
    }

    /// <summary>0 or a negative errno.</summary>
    public int Result { get; set; }

    /// <summary>The status line: empty on success, the reason on failure.</summary>
    public string Status { get; set; } = "";

    /// <summary>The command's output (the data segment), as UTF-8 text.</summary>
    public string Output => Encoding.UTF8.GetString(Data.Sequence);

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteI32(Result);
        front.WriteString(Status);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Result = front.ReadI32();
        Status = front.ReadString();
    }

    /// <inheritdoc />
    public override string ToString() => $"command_reply(tid {Tid}: {Result} {Status})";
}
