using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Mon;

/// <summary><c>MMonGetVersion</c> (CEPH_MSG_MON_GET_VERSION, v1): the newest and oldest epoch of a map ("osdmap", "mdsmap", …).</summary>
public sealed class MMonGetVersion : Message
{
    /// <summary>Creates the request.</summary>
    public MMonGetVersion() : base(MessageTypes.MonGetVersion)
    {
    }

    /// <summary>Matches the reply to the request.</summary>
    public ulong Handle { get; set; }

    /// <summary>Which map.</summary>
    public string What { get; set; } = "osdmap";

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteU64(Handle);
        front.WriteString(What);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Handle = front.ReadU64();
        What = front.ReadString();
    }
}

/// <summary><c>MMonGetVersionReply</c> (CEPH_MSG_MON_GET_VERSION_REPLY, v2).</summary>
public sealed class MMonGetVersionReply : Message
{
    /// <summary>Creates an empty reply (for decoding).</summary>
    public MMonGetVersionReply() : base(MessageTypes.MonGetVersionReply, 2)
    {
        Priority = MessagePriority.High;
    }

    /// <summary>The request's handle.</summary>
    public ulong Handle { get; set; }

    /// <summary>Newest epoch of the map (Ceph's <c>version</c>).</summary>
    public ulong MapVersion { get; set; }

    /// <summary>Oldest epoch still kept (Ceph's <c>oldest_version</c>, v2 and later).</summary>
    public ulong OldestMapVersion { get; set; }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteU64(Handle);
        front.WriteU64(MapVersion);
        front.WriteU64(OldestMapVersion);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        Handle = front.ReadU64();
        MapVersion = front.ReadU64();
        if (Version >= 2)
        {
            OldestMapVersion = front.ReadU64();
        }
    }
}
