using KestrelMessenger.Connections;

namespace KestrelMessenger.Protocol;

/// <summary>
/// What ended a connection, as a kind a program can act on (retry, give up, report) without reading
/// the reason text. The text says the same thing for people.
/// </summary>
public enum FailureKind
{
    /// <summary>We closed it: mark down, shutdown, the host stopping.</summary>
    Local,
    /// <summary>Nothing accepts connections there (TCP refused, host or network unreachable).</summary>
    Refused,
    /// <summary>The connect or the handshake did not finish in time.</summary>
    TimedOut,
    /// <summary>The peer closed or reset the connection (before READY, or after it).</summary>
    PeerClosed,
    /// <summary>The peer speaks something else: HTTP, TLS, msgr1, or bytes that are no banner at all.</summary>
    NotMsgr2,
    /// <summary>One side lacks msgr2 or Ceph features the other requires.</summary>
    MissingFeatures,
    /// <summary>The peer refused every auth method or mode we offered, or we refused the peer's.</summary>
    AuthRefused,
    /// <summary>The peer broke the protocol: a bad CRC, a frame out of place, a malformed payload.</summary>
    ProtocolError,
    /// <summary>Silent for longer than <c>ms_connection_idle_timeout</c>.</summary>
    Idle,
}

/// <summary>Why a connection ended: a <see cref="FailureKind"/> and the reason in words.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Reason">The same, for logs and people.</param>
public sealed record ConnectionFailure(FailureKind Kind, string Reason)
{
    /// <summary>The dispatcher event a close of this kind raises: Ceph's reset, refused, or none for a local close.</summary>
    internal CloseKind CloseKindFor(bool wasReady) => Kind switch
    {
        FailureKind.Local => CloseKind.Local,
        _ when !wasReady => CloseKind.Refused,
        FailureKind.ProtocolError => CloseKind.Fault,
        _ => CloseKind.Reset,
    };

    /// <inheritdoc />
    public override string ToString() => Reason;
}
