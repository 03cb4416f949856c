using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Mon;

/// <summary>One subscription: send epochs from <see cref="Start"/>; flag 1 = one-shot.</summary>
/// <param name="Start">First epoch wanted (0 = the current one).</param>
/// <param name="Flags">CEPH_SUBSCRIBE_ONETIME = 1.</param>
public readonly record struct SubscribeItem(ulong Start, byte Flags);

/// <summary><c>MMonSubscribe</c> (CEPH_MSG_MON_SUBSCRIBE, v3 / compat 1): which maps to push, and the sender's hostname.</summary>
public sealed class MMonSubscribe : Message
{
    /// <summary>Creates an empty subscription.</summary>
    public MMonSubscribe() : base(MessageTypes.MonSubscribe, 3)
    {
    }

    /// <summary>Map name → subscription, in the order Ceph's std::map sorts them.</summary>
    public SortedDictionary<string, SubscribeItem> What { get; } = new(StringComparer.Ordinal);

    /// <summary>The sender's host name (v3).</summary>
    public string Hostname { get; set; } = "";

    /// <inheritdoc />
    protected override bool EncodesPayload => true;

    /// <inheritdoc />
    protected override void EncodePayload(DencWriter front, ulong features)
    {
        front.WriteU32((uint)What.Count);
        foreach ((string name, SubscribeItem item) in What)
        {
            front.WriteString(name);
            front.WriteU64(item.Start);
            front.WriteU8(item.Flags);
        }

        front.WriteString(Hostname);
    }

    /// <inheritdoc />
    protected override void DecodePayload(ref DencReader front)
    {
        if (Version < 2)
        {
            throw new DecodeException($"mon_subscribe v{Version} (the pre-Firefly form) is not supported");
        }

        int count = front.ReadCount(4 + 8 + 1);
        for (int i = 0; i < count; i++)
        {
            string name = front.ReadString();
            What[name] = new SubscribeItem(front.ReadU64(), front.ReadU8());
        }

        if (Version >= 3)
        {
            Hostname = front.ReadString();
        }
    }
}
