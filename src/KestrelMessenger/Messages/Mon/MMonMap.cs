using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Mon;

/// <summary>
/// <c>MMonMap</c> (CEPH_MSG_MON_MAP): front = bufferlist holding an encoded MonMap. Decoded as far as
/// the cluster fsid and the map epoch; the whole map stays in <see cref="MonMapBytes"/>.
/// </summary>
public sealed class MMonMap : Message
{
    /// <summary>Creates an empty map message (for decoding).</summary>
    public MMonMap() : base(MessageTypes.MonMap)
    {
    }

    /// <summary>The cluster's fsid.</summary>
    public Guid Fsid { get; private set; }

    /// <summary>The monmap epoch.</summary>
    public uint Epoch { get; private set; }

    /// <summary>The encoded MonMap.</summary>
    public byte[] MonMapBytes { get; private set; } = [];

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features) => front.WriteBlob(MonMapBytes);

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        MonMapBytes = front.ReadBlob().ToArray();
        var map = new DencReader(MonMapBytes);

        // MonMap is ENCODE_START(9, 6); fsid (raw 16 bytes) then epoch lead every version since the envelope.
        StructHeader header = map.BeginStruct(maxCompat: 9, "MonMap");
        Fsid = map.ReadUuid();
        Epoch = map.ReadU32();
        if (header.End > MonMapBytes.Length)
        {
            throw new DecodeException("MonMap is shorter than its struct_len");
        }
    }
}
