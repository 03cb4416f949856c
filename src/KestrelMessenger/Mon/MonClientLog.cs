using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Mon;

public sealed partial class MonClient
{
    /// <summary>Each state change once, at information or warning; each hunt attempt at debug.</summary>
    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information, "monitor session with {Mon} (after {Attempts} hunt attempt(s), {Elapsed:0.0} s; global id {GlobalId})")]
        public static partial void SessionFound(ILogger logger, string mon, int attempts, double elapsed, ulong globalId);

        [LoggerMessage(301, LogLevel.Debug, "hunt attempt {Attempt}: no monitor answered ({Reasons}); next attempt in {Delay:0.0} s")]
        public static partial void AttemptFailed(ILogger logger, int attempt, string reasons, double delay);

        [LoggerMessage(302, LogLevel.Warning, "no monitor answers yet ({Reasons}); hunting on")]
        public static partial void StillHunting(ILogger logger, string reasons);

        [LoggerMessage(303, LogLevel.Warning, "monitor session lost ({Reason}); hunting for a monitor")]
        public static partial void SessionLost(ILogger logger, string reason);

        [LoggerMessage(304, LogLevel.Warning, "every monitor refused our authentication ({Reasons})")]
        public static partial void AuthRefused(ILogger logger, string reasons);

        [LoggerMessage(305, LogLevel.Information, "monmap epoch {Epoch} of cluster {Fsid}: {Monitors}")]
        public static partial void MonMapEpoch(ILogger logger, uint epoch, Guid fsid, string monitors);

        [LoggerMessage(306, LogLevel.Warning, "ignoring a monmap that does not decode: {Reason}")]
        public static partial void BadMonMap(ILogger logger, string reason);

        [LoggerMessage(307, LogLevel.Error, "global id changed from {Old} to {New}")]
        public static partial void GlobalIdChanged(ILogger logger, ulong old, ulong @new);

        [LoggerMessage(308, LogLevel.Error, "the monitor session loop failed; hunting again")]
        public static partial void LoopFailed(ILogger logger, Exception e);

        [LoggerMessage(309, LogLevel.Error, "a '{What}' subscription handler threw")]
        public static partial void HandlerFailed(ILogger logger, Exception e, string what);
    }
}
