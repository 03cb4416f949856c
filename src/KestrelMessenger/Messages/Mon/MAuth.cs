using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Mon;

/// <summary>
/// <c>MAuth</c> (CEPH_MSG_AUTH): an auth request on an established monitor session (msgr2 logs in during
/// the handshake; MAuth carries cephx's later requests: service tickets, rotating keys). Paxos header,
/// u32 protocol (the auth method), the method's payload as a bufferlist, u32 monmap epoch.
/// </summary>
public sealed class MAuth : Message
{
    /// <summary>Creates the request.</summary>
    public MAuth() : base(MessageTypes.Auth)
    {
    }

    /// <summary>The Paxos header (version 0).</summary>
    public PaxosServiceHeader Paxos { get; set; } = new(0);

    /// <summary>The auth method (<c>CEPH_AUTH_CEPHX</c>).</summary>
    public uint Protocol { get; set; }

    /// <summary>The method's request.</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>The monmap epoch the sender has.</summary>
    public uint MonMapEpoch { get; set; }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        Paxos.Encode(front);
        front.WriteU32(Protocol);
        front.WriteBlob(Payload.Span);
        front.WriteU32(MonMapEpoch);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Paxos = PaxosServiceHeader.Decode(ref front);
        Protocol = front.ReadU32();
        Payload = front.ReadBlob().ToArray();
        MonMapEpoch = front.Remaining > 0 ? front.ReadU32() : 0;
    }
}

/// <summary>
/// <c>MAuthReply</c> (CEPH_MSG_AUTH_REPLY): u32 protocol, i32 result (negative errno), u64 global id,
/// the method's reply as a bufferlist, and a message for humans.
/// </summary>
public sealed class MAuthReply : Message
{
    /// <summary>Creates an empty reply (for decoding).</summary>
    public MAuthReply() : base(MessageTypes.AuthReply)
    {
    }

    /// <summary>The auth method.</summary>
    public uint Protocol { get; set; }

    /// <summary>0, or a negative errno.</summary>
    public int Result { get; set; }

    /// <summary>The client's global id (0: not meaningful here).</summary>
    public ulong GlobalId { get; set; }

    /// <summary>The method's reply.</summary>
    public ReadOnlyMemory<byte> ResultPayload { get; set; }

    /// <summary>The monitor's words on a failure.</summary>
    public string ResultMessage { get; set; } = "";

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteU32(Protocol);
        front.WriteI32(Result);
        front.WriteU64(GlobalId);
        front.WriteBlob(ResultPayload.Span);
        front.WriteString(ResultMessage);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Protocol = front.ReadU32();
        Result = front.ReadI32();
        GlobalId = front.ReadU64();
        ResultPayload = front.ReadBlob().ToArray();
        ResultMessage = front.ReadString();
    }
}
