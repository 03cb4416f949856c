using System.Text;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Mon;

/// <summary><c>MMonCommand</c> (MSG_MON_COMMAND, v1): a `ceph …` command as JSON strings, for the monitor.</summary>
public sealed class MMonCommand : Message
{
    /// <summary>Creates an empty command.</summary>
    public MMonCommand() : base(MessageTypes.MonCommand)
    {
    }

    /// <summary>Paxos header (version 0 for commands).</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>The cluster's fsid.</summary>
    public Guid Fsid { get; set; }

    /// <summary>The command, usually one JSON object: {"prefix":"osd dump","format":"json"}.</summary>
    public List<string> Command { get; } = [];

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Paxos.Encode(front);
        front.WriteUuid(Fsid);
        front.WriteStringList(Command);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Paxos = PaxosServiceHeader.Decode(ref front);
        Fsid = front.ReadUuid();
        front.ReadStringList(Command);
    }
}

/// <summary><c>MMonCommandAck</c> (MSG_MON_COMMAND_ACK, v1): result, status text, and the output in the data segment.</summary>
public sealed class MMonCommandAck : Message
{
    /// <summary>Creates an empty ack.</summary>
    public MMonCommandAck() : base(MessageTypes.MonCommandAck)
    {
    }

    /// <summary>Paxos header.</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>0 or a negative errno.</summary>
    public int Result { get; set; }

    /// <summary>Status text ("dumped osdmap epoch 5").</summary>
    public string Status { get; set; } = "";

    /// <summary>The command it answers.</summary>
    public List<string> Command { get; } = [];

    /// <summary>The command's output (copied from the data segment while decoding).</summary>
    public string Output { get; private set; } = "";

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Paxos.Encode(front);
        front.WriteI32(Result);
        front.WriteString(Status);
        front.WriteStringList(Command);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Paxos = PaxosServiceHeader.Decode(ref front);
        Result = front.ReadI32();
        Status = front.ReadString();
        front.ReadStringList(Command);

        Output = Encoding.UTF8.GetString(Data.Sequence);
    }
}
