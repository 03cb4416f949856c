using System.Buffers;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The sample's own replication message (primary → replica over the cluster messenger), showing how
/// to add a message type: derive from <see cref="Message"/>, encode the front, register the type
/// number with the messenger's <see cref="MessageRegistry"/>. Like Ceph's MOSDRepOp it carries a whole
/// transaction, here for one object: its full identity (pool, namespace, locator key, name), the
/// mtime and snapset seq to stamp, and the steps in order; their bytes are the data segment, in step
/// order. The replica applies all of them or none.
/// </summary>
public sealed class MOsdRepOp : Message
{
    /// <summary>Type number, outside Ceph's range.</summary>
    public const ushort TypeId = 0x7E01;

    // kind u8, offset u64, length u64, data length u32.
    private const int StepSize = 21;

    /// <summary>Creates an empty repop.</summary>
    public MOsdRepOp() : base(TypeId)
    {
        Priority = MessagePriority.High;
    }

    /// <summary>The object.</summary>
    public ObjectId Object { get; set; } = new(0, "", "", "");

    /// <summary>The modification time the primary stamped.</summary>
    public UTime MTime { get; set; }

    /// <summary>The snapset seq the object carries afterwards.</summary>
    public ulong SnapSeq { get; set; }

    /// <summary>The transaction. When decoded, each step's data is a slice of <see cref="Message.Data"/>.</summary>
    public List<Mutation> Mutations { get; } = [];

    /// <summary>
    /// A repop for <paramref name="mutations"/>. Its data segment is their bytes in step order, shared with
    /// <paramref name="source"/> (the client's request) where they lie in it, copied otherwise; each step
    /// views its own bytes, which the repop keeps alive as long as it lives.
    /// </summary>
    public static MOsdRepOp For(ObjectId id, IReadOnlyList<Mutation> mutations, UTime mtime, ulong snapSeq, MessageBuffer? source = null)
    {
        ArgumentNullException.ThrowIfNull(mutations);
        var repop = new MOsdRepOp { Object = id, MTime = mtime, SnapSeq = snapSeq };
        var parts = new List<MessageBuffer>(mutations.Count);
        try
        {
            foreach (Mutation m in mutations)
            {
                MessageBuffer part = MessageBuffer.ShareOrCopy(source, m.Data);
                parts.Add(part);
                repop.Mutations.Add(m with { Data = part.Sequence });
            }

            repop.Data = MessageBuffer.Concat([.. parts]);
        }
        finally
        {
            foreach (MessageBuffer part in parts)
            {
                part.Dispose(); // the data segment holds its own references
            }
        }

        return repop;
    }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        StructToken t = front.BeginStruct(2, 2);
        front.WriteI64(Object.Pool);
        front.WriteString(Object.Namespace);
        front.WriteString(Object.Key);
        front.WriteString(Object.Name);
        MTime.Encode(front);
        front.WriteU64(SnapSeq);
        front.WriteU32((uint)Mutations.Count);
        foreach (Mutation m in Mutations)
        {
            front.WriteU8((byte)m.Kind);
            front.WriteU64(m.Offset);
            front.WriteU64(m.Length);
            front.WriteU32((uint)m.Data.Length);
        }

        front.EndStruct(t);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        StructHeader h = front.BeginStruct(2, "MOsdRepOp");
        if (h.Version < 2)
        {
            throw new DecodeException($"MOsdRepOp v{h.Version} carries no locator key and no transaction; v2 is required");
        }

        Object = new ObjectId(front.ReadI64(), front.ReadString(), front.ReadString(), front.ReadString());
        MTime = UTime.Decode(ref front);
        SnapSeq = front.ReadU64();
        int count = front.ReadCount(StepSize);
        ReadOnlySequence<byte> data = Data.Sequence;
        Mutations.Clear();
        for (int i = 0; i < count; i++)
        {
            var kind = (MutationKind)front.ReadU8();
            ulong offset = front.ReadU64();
            ulong length = front.ReadU64();
            uint dataLength = front.ReadU32();
            if (dataLength > data.Length)
            {
                throw new DecodeException($"repop step {i} claims {dataLength} data bytes but only {data.Length} remain");
            }

            Mutations.Add(new Mutation(kind, offset, length, data.Slice(0, dataLength)));
            data = data.Slice(dataLength);
        }

        front.EndStruct(h);
    }
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
