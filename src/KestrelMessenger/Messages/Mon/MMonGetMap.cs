namespace KestrelMessenger.Messages.Mon;

/// <summary><c>MMonGetMap</c> (CEPH_MSG_MON_GET_MAP, v1): asks a monitor for its monmap; no payload.</summary>
public sealed class MMonGetMap : Message
{
    /// <summary>Creates the request.</summary>
    public MMonGetMap() : base(MessageTypes.MonGetMap)
    {
    }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;
}
