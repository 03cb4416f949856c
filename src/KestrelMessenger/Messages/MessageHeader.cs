using System.Buffers.Binary;

namespace KestrelMessenger.Messages;

/// <summary>
/// <c>ceph_msg_header2</c>: the 41-byte packed little-endian header in segment 0 of a MESSAGE frame.
/// Segment lengths come from the preamble and the source from the IDENT exchange, so neither is here.
/// </summary>
public struct MessageHeader
{
    /// <summary>Encoded size.</summary>
    public const int Length = 41;

    /// <summary>Footer flags userspace Ceph sends (COMPLETE | NOCRC); receivers ignore them.</summary>
    public const byte DefaultFlags = 3;

    /// <summary>Per-session sequence number (1, 2, 3 …).</summary>
    public ulong Seq;
    /// <summary>Transaction id of the upper layer.</summary>
    public ulong Tid;
    /// <summary>Message type (<c>CEPH_MSG_*</c>, <c>MSG_*</c>).</summary>
    public ushort Type;
    /// <summary>Priority (<see cref="MessagePriority"/>).</summary>
    public ushort Priority;
    /// <summary>Encoding version of the payload.</summary>
    public ushort Version;
    /// <summary>Always 0.</summary>
    public uint DataPrePaddingLength;
    /// <summary>Alignment hint for the data segment.</summary>
    public ushort DataOffset;
    /// <summary>The sender's in_seq: a piggy-backed ack.</summary>
    public ulong AckSeq;
    /// <summary>Footer flags.</summary>
    public byte Flags;
    /// <summary>Oldest version able to decode the payload.</summary>
    public ushort CompatVersion;
    /// <summary>Always 0.</summary>
    public ushort Reserved;

    /// <summary>Writes the 41 bytes.</summary>
    public readonly void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b, Seq);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], Tid);
        BinaryPrimitives.WriteUInt16LittleEndian(b[16..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b[18..], Priority);
        BinaryPrimitives.WriteUInt16LittleEndian(b[20..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(b[22..], DataPrePaddingLength);
        BinaryPrimitives.WriteUInt16LittleEndian(b[26..], DataOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(b[28..], AckSeq);
        b[36] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(b[37..], CompatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(b[39..], Reserved);
    }

    /// <summary>Reads the 41 bytes.</summary>
    public static MessageHeader Read(ReadOnlySpan<byte> b)
    {
        if (b.Length != Length)
        {
            throw new Wire.DecodeException($"message header is {b.Length} bytes, not {Length}");
        }

        return new MessageHeader
        {
            Seq = BinaryPrimitives.ReadUInt64LittleEndian(b),
            Tid = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
            Type = BinaryPrimitives.ReadUInt16LittleEndian(b[16..]),
            Priority = BinaryPrimitives.ReadUInt16LittleEndian(b[18..]),
            Version = BinaryPrimitives.ReadUInt16LittleEndian(b[20..]),
            DataPrePaddingLength = BinaryPrimitives.ReadUInt32LittleEndian(b[22..]),
            DataOffset = BinaryPrimitives.ReadUInt16LittleEndian(b[26..]),
            AckSeq = BinaryPrimitives.ReadUInt64LittleEndian(b[28..]),
            Flags = b[36],
            CompatVersion = BinaryPrimitives.ReadUInt16LittleEndian(b[37..]),
            Reserved = BinaryPrimitives.ReadUInt16LittleEndian(b[39..]),
        };
    }
}

/// <summary><c>CEPH_MSG_PRIO_*</c>.</summary>
public static class MessagePriority
{
    /// <summary>Background work.</summary>
    public const ushort Low = 64;
    /// <summary>The default.</summary>
    public const ushort Default = 127;
    /// <summary>Replies, heartbeats.</summary>
    public const ushort High = 196;
    /// <summary>Replayed messages and connection events.</summary>
    public const ushort Highest = 255;
}
