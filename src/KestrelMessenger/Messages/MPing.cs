namespace KestrelMessenger.Messages;

/// <summary><c>MPing</c> (CEPH_MSG_PING): an empty message, handy for liveness tests.</summary>
public sealed class MPing : Message
{
    /// <summary>Creates a ping.</summary>
    public MPing() : base(MessageTypes.Ping)
    {
    }

    /// <inheritdoc />
    protected override bool EncodesPayload => true;
}
