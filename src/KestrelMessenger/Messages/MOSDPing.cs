using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages;

/// <summary>
/// <c>MOSDPing</c> (MSG_OSD_PING, v5 / compat 4, Octopus and Pacific): OSD heartbeats. Front:
/// fsid, map_epoch, op, ping_stamp, u32 padding size, up_from, mono_ping_stamp, mono_send_stamp,
/// optional delta_ub, then padding zeros up to <see cref="MinMessageSize"/>.
/// </summary>
public sealed class MOSDPing : Message
{
    private const ushort HeadVersion = 5;
    private const ushort HeadCompat = 4;

    /// <summary>Creates an empty heartbeat (for decoding).</summary>
    public MOSDPing() : base(MessageTypes.OsdPing, HeadVersion, HeadCompat)
    {
        Priority = MessagePriority.High;
    }

    /// <summary>The cluster's fsid.</summary>
    public Guid Fsid { get; set; }

    /// <summary>The sender's OSDMap epoch.</summary>
    public uint MapEpoch { get; set; }

    /// <summary>What this heartbeat is.</summary>
    public OsdPingOp Op { get; set; }

    /// <summary>Wall-clock time the PING was sent (echoed in the reply).</summary>
    public UTime PingStamp { get; set; }

    /// <summary>The pinger's monotonic clock when it sent the PING.</summary>
    public TimeSpan MonoPingStamp { get; set; }

    /// <summary>The replier's monotonic clock when it sent the reply.</summary>
    public TimeSpan MonoSendStamp { get; set; }

    /// <summary>Upper bound on the clock delta, sent by the pinger.</summary>
    public TimeSpan? DeltaUpperBound { get; set; }

    /// <summary>The epoch the sender came up in.</summary>
    public uint UpFrom { get; set; }

    /// <summary>Pad the front to at least this many bytes (jumbo-frame checks, <c>osd_heartbeat_min_size</c>).</summary>
    public uint MinMessageSize { get; set; }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        int start = front.Length;
        front.WriteUuid(Fsid);
        front.WriteU32(MapEpoch);
        front.WriteU8((byte)Op);
        PingStamp.Encode(front);
        int soFar = front.Length - start;
        uint padding = MinMessageSize > soFar ? MinMessageSize - (uint)soFar : 0;
        front.WriteU32(padding);
        front.WriteU32(UpFrom);
        front.WriteSignedSpan(MonoPingStamp);
        front.WriteSignedSpan(MonoSendStamp);
        front.WriteBool(DeltaUpperBound.HasValue);
        if (DeltaUpperBound is TimeSpan delta)
        {
            front.WriteSignedSpan(delta);
        }

        front.GetSpan((int)padding)[..(int)padding].Clear();
        front.Advance((int)padding);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < HeadCompat)
        {
            throw new DecodeException($"osd_ping v{Version} is older than the v{HeadCompat} this decoder understands");
        }

        Fsid = front.ReadUuid();
        MapEpoch = front.ReadU32();
        Op = (OsdPingOp)front.ReadU8();
        PingStamp = UTime.Decode(ref front);
        int midLength = front.Position;
        uint padding = front.ReadU32();
        if (Version >= 5)
        {
            UpFrom = front.ReadU32();
            MonoPingStamp = front.ReadSignedSpan();
            MonoSendStamp = front.ReadSignedSpan();
            DeltaUpperBound = front.ReadBool() ? front.ReadSignedSpan() : null;
        }

        front.Skip((int)padding);
        MinMessageSize = padding + (uint)midLength;
    }
}

/// <summary>MOSDPing ops.</summary>
public enum OsdPingOp : byte
{
    /// <summary>Legacy heartbeat.</summary>
    Heartbeat = 0,
    /// <summary>Legacy.</summary>
    StartHeartbeat = 1,
    /// <summary>The receiver is marked down in the sender's map.</summary>
    YouDied = 2,
    /// <summary>Legacy.</summary>
    StopHeartbeat = 3,
    /// <summary>A ping.</summary>
    Ping = 4,
    /// <summary>The answer to a ping.</summary>
    PingReply = 5,
}
