using KestrelMessenger.Frames;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// Turns what went wrong during the banner or the handshake into a <see cref="ConnectionFailure"/>,
/// with our own words: transport exceptions carry texts such as "Writing is not allowed after writer
/// was completed." that say nothing to an operator.
/// </summary>
internal static class HandshakeFailures
{
    /// <summary>The failure <paramref name="e"/> reports, or null for an exception that is a bug (let it surface).</summary>
    /// <param name="e">What was thrown.</param>
    /// <param name="timedOut">The handshake deadline passed.</param>
    /// <param name="stopping">We were asked to close (host stopping, mark down).</param>
    /// <param name="timeout">The deadline, for the message.</param>
    public static ConnectionFailure? From(Exception e, bool timedOut, bool stopping, TimeSpan timeout) => e switch
    {
        ProtocolException p => p.Failure,
        FrameException or DecodeException => new ConnectionFailure(FailureKind.ProtocolError, e.Message),
        OperationCanceledException and not ConnectionAbortedException when timedOut =>
            new ConnectionFailure(FailureKind.TimedOut, $"handshake timed out after {timeout.TotalSeconds:0.###} s"),
        _ when stopping => new ConnectionFailure(FailureKind.Local, "closed locally during the handshake"),
        ConnectionAbortedException or ObjectDisposedException or OperationCanceledException =>
            new ConnectionFailure(FailureKind.Local, "connection aborted locally during the handshake"),
        ConnectionResetException or IOException => new ConnectionFailure(FailureKind.PeerClosed, "peer reset the connection during the handshake"),
        InvalidOperationException => new ConnectionFailure(FailureKind.PeerClosed, "connection closed during the handshake"),
        _ => null,
    };

    /// <summary>True for the exceptions a transport throws when its connection is gone.</summary>
    public static bool IsTransportGone(Exception e) =>
        e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException;
}
