namespace KestrelMessenger.Frames;

/// <summary>msgr2 frame tags (<c>ceph::msgr::v2::Tag</c>).</summary>
public enum Tag : byte
{
    /// <summary>Both sides: entity type and the peer address as seen.</summary>
    Hello = 1,
    /// <summary>Client: auth method, preferred connection modes, payload.</summary>
    AuthRequest = 2,
    /// <summary>Server: the method was refused; lists what is allowed.</summary>
    AuthBadMethod = 3,
    /// <summary>Server: another auth round trip (cephx).</summary>
    AuthReplyMore = 4,
    /// <summary>Client: answer to <see cref="AuthReplyMore"/>.</summary>
    AuthRequestMore = 5,
    /// <summary>Server: authenticated; global id and connection mode.</summary>
    AuthDone = 6,
    /// <summary>Both sides: HMAC of the pre-auth bytes (zeros for auth none).</summary>
    AuthSignature = 7,
    /// <summary>Client: who I am and whom I meant to reach.</summary>
    ClientIdent = 8,
    /// <summary>Server: who I am.</summary>
    ServerIdent = 9,
    /// <summary>Server: the client lacks required features.</summary>
    IdentMissingFeatures = 10,
    /// <summary>Client: resume a lossless session.</summary>
    SessionReconnect = 11,
    /// <summary>Server: the session is gone.</summary>
    SessionReset = 12,
    /// <summary>Server: retry with a higher connect_seq.</summary>
    SessionRetry = 13,
    /// <summary>Server: retry with a higher global_seq.</summary>
    SessionRetryGlobal = 14,
    /// <summary>Server: session resumed.</summary>
    SessionReconnectOk = 15,
    /// <summary>Server: lost a connection race; back off.</summary>
    Wait = 16,
    /// <summary>Both sides: a message (header2, front, middle, data).</summary>
    Message = 17,
    /// <summary>Both sides: liveness probe with a timestamp.</summary>
    Keepalive2 = 18,
    /// <summary>Both sides: echo of a <see cref="Keepalive2"/> timestamp.</summary>
    Keepalive2Ack = 19,
    /// <summary>Both sides: the last message seq received (lossless only).</summary>
    Ack = 20,
    /// <summary>Quincy+ only; never sent to Pacific.</summary>
    CompressionRequest = 21,
    /// <summary>Quincy+ only; never sent to Pacific.</summary>
    CompressionDone = 22,
}
