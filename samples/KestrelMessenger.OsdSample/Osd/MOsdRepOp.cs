using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The sample's own replication message (primary → replica over the cluster messenger), showing how
/// to add a message type: derive from <see cref="Message"/>, encode the front, register the type
/// number with the messenger's <see cref="MessageRegistry"/>. (Ceph's MOSDRepOp carries a whole PG
/// transaction; this one carries one object mutation.)
/// </summary>
public sealed class MOsdRepOp : Message
{
    /// <summary>Type number, outside Ceph's range.</summary>
    public const ushort TypeId = 0x7E01;

    /// <summary>Creates an empty repop.</summary>
    public MOsdRepOp() : base(TypeId)
    {
        Priority = MessagePriority.High;
    }

    /// <summary>What the primary did.</summary>
    public RepOpKind Kind { get; set; }

    /// <summary>Object pool.</summary>
    public long Pool { get; set; }

    /// <summary>Object namespace.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>Object name.</summary>
    public string ObjectName { get; set; } = "";

    /// <summary>Write offset.</summary>
    public ulong Offset { get; set; }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        StructToken t = front.BeginStruct(1, 1);
        front.WriteU8((byte)Kind);
        front.WriteI64(Pool);
        front.WriteString(Namespace);
        front.WriteString(ObjectName);
        front.WriteU64(Offset);
        front.EndStruct(t);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        StructHeader h = front.BeginStruct(1, "MOsdRepOp");
        Kind = (RepOpKind)front.ReadU8();
        Pool = front.ReadI64();
        Namespace = front.ReadString();
        ObjectName = front.ReadString();
        Offset = front.ReadU64();
        front.EndStruct(h);
    }
}

/// <summary>A replicated mutation.</summary>
public enum RepOpKind : byte
{
    /// <summary>Write the data segment at the offset.</summary>
    Write = 1,
    /// <summary>Replace the object with the data segment.</summary>
    WriteFull = 2,
    /// <summary>Remove the object.</summary>
    Delete = 3,
}

/// <summary>The replica's acknowledgement of a <see cref="MOsdRepOp"/> (same tid).</summary>
public sealed class MOsdRepOpReply : Message
{
    /// <summary>Type number, outside Ceph's range.</summary>
    public const ushort TypeId = 0x7E02;

    /// <summary>Creates an empty reply.</summary>
    public MOsdRepOpReply() : base(TypeId)
    {
        Priority = MessagePriority.High;
    }

    /// <summary>0 or a negative errno.</summary>
    public int Result { get; set; }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features) => front.WriteI32(Result);

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front) => Result = front.ReadI32();
}
