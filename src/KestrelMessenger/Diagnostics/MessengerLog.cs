using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Diagnostics;

/// <summary>Every log line the messenger writes, with stable event ids.</summary>
internal static partial class MessengerLog
{
    [LoggerMessage(1, LogLevel.Information, "Messenger {Messenger} ({Entity}) started; addrs {Addrs}")]
    public static partial void Started(ILogger logger, string messenger, string entity, string addrs);

    [LoggerMessage(2, LogLevel.Information, "Messenger {Messenger} stopped")]
    public static partial void Stopped(ILogger logger, string messenger);

    [LoggerMessage(10, LogLevel.Debug, "Messenger {Messenger}: {Role} handshake with {Remote} done: peer {Peer} features 0x{Features:x16} mode {Mode} global_id {GlobalId} lossy {Lossy}")]
    public static partial void HandshakeCompleted(ILogger logger, string messenger, string role, string remote, string peer, ulong features, string mode, ulong globalId, bool lossy);

    [LoggerMessage(11, LogLevel.Warning, "Messenger {Messenger}: {Role} handshake with {Remote} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string messenger, string role, string remote, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Messenger {Messenger}: refused auth from {Remote} ({PeerType}): method {Method}, modes [{Modes}], {Errno}: {Reason} (refusal {Refusals})")]
    public static partial void AuthRefused(ILogger logger, string messenger, string remote, string peerType, uint method, string modes, int errno, string reason, int refusals);

    [LoggerMessage(12, LogLevel.Warning, "Messenger {Messenger}: connection to {Peer} at {Remote} closed: {Reason}")]
    public static partial void ConnectionFaulted(ILogger logger, string messenger, string peer, string remote, string reason);

    [LoggerMessage(13, LogLevel.Debug, "Messenger {Messenger}: connection to {Peer} at {Remote} closed ({Reason})")]
    public static partial void ConnectionClosed(ILogger logger, string messenger, string peer, string remote, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Messenger {Messenger}: connecting to {Target} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string messenger, string target, string reason);

    [LoggerMessage(16, LogLevel.Error, "Messenger {Messenger}: not sending {Message} to {Peer}: a segment is longer than the frame limits accept")]
    public static partial void MessageTooLarge(ILogger logger, string messenger, string message, string peer);

    [LoggerMessage(17, LogLevel.Information, "Messenger {Messenger}: closing the connection to {Peer} at {Remote}: idle for {Seconds} s (ms_connection_idle_timeout {Timeout} s)")]
    public static partial void ConnectionIdle(ILogger logger, string messenger, string peer, string remote, double seconds, double timeout);

    [LoggerMessage(18, LogLevel.Error, "Messenger {Messenger}: the read loop for {Peer} failed; closing the connection")]
    public static partial void ReaderFailed(ILogger logger, Exception exception, string messenger, string peer);

    [LoggerMessage(19, LogLevel.Error, "Messenger {Messenger}: the connection pipeline to {Target} failed; closing the connection")]
    public static partial void PipelineFailed(ILogger logger, Exception exception, string messenger, string target);

    [LoggerMessage(20, LogLevel.Debug, "Messenger {Messenger}: discarding old message seq {Seq} from {Peer} (in_seq {InSeq})")]
    public static partial void DiscardedOldMessage(ILogger logger, string messenger, ulong seq, string peer, ulong inSeq);

    [LoggerMessage(21, LogLevel.Warning, "Messenger {Messenger}: message seq {Seq} from {Peer} skips ahead of in_seq {InSeq}")]
    public static partial void MessageSeqGap(ILogger logger, string messenger, ulong seq, string peer, ulong inSeq);

    [LoggerMessage(22, LogLevel.Warning, "Messenger {Messenger}: no dispatcher handled message type {Type} from {Peer}")]
    public static partial void Unhandled(ILogger logger, string messenger, ushort type, string peer);

    [LoggerMessage(23, LogLevel.Error, "Messenger {Messenger}: dispatcher threw on message type {Type} from {Peer}")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception, string messenger, ushort type, string peer);

    [LoggerMessage(24, LogLevel.Error, "Messenger {Messenger}: dispatcher threw in {Hook}")]
    public static partial void HookFailed(ILogger logger, Exception exception, string messenger, string hook);

    [LoggerMessage(30, LogLevel.Information, "Messenger {Messenger}: session with {Peer} at {Remote} lost its socket ({Reason}); {Next}")]
    public static partial void SessionFault(ILogger logger, string messenger, string peer, string remote, string reason, string next);

    [LoggerMessage(31, LogLevel.Information, "Messenger {Messenger}: session with {Peer} resumed on a new socket (connect_seq {ConnectSeq}, peer has up to seq {PeerInSeq}, {Replayed} to replay)")]
    public static partial void SessionResumed(ILogger logger, string messenger, string peer, ulong connectSeq, ulong peerInSeq, int replayed);

    [LoggerMessage(32, LogLevel.Warning, "Messenger {Messenger}: session with {Peer} was reset ({Why}); {Dropped} queued messages dropped")]
    public static partial void SessionReset(ILogger logger, string messenger, string peer, string why, int dropped);

    [LoggerMessage(33, LogLevel.Debug, "Messenger {Messenger}: {Peer} at {Remote}: {Decision}")]
    public static partial void SessionDecision(ILogger logger, string messenger, string peer, string remote, string decision);

    [LoggerMessage(34, LogLevel.Information, "Messenger {Messenger}: injecting a socket failure on {Remote} (ms_inject_socket_failures {Every})")]
    public static partial void InjectedSocketFailure(ILogger logger, string messenger, string remote, int every);

    [LoggerMessage(35, LogLevel.Warning, "Messenger {Messenger}: fault injection on: ms_inject_socket_failures {SocketFailures}, ms_inject_delay_type '{DelayType}' probability {DelayProbability} max {DelayMax} s, ms_inject_internal_delays {InternalDelays} s, seed {Seed}")]
    public static partial void FaultInjectionOn(ILogger logger, string messenger, int socketFailures, string delayType, double delayProbability, double delayMax, double internalDelays, int seed);
}
