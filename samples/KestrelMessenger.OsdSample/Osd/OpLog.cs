using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Log lines of object I/O, replication and commands (event ids 120–139).</summary>
internal static partial class OpLog
{
    [LoggerMessage(120, LogLevel.Error, "osd.{Id}: {Request} failed unexpectedly; answering -EIO")]
    public static partial void OpFailed(ILogger logger, Exception exception, int id, string request);

    [LoggerMessage(121, LogLevel.Warning, "osd.{Id}: replicated transaction on {Object} refused: {Reason}")]
    public static partial void RepOpRejected(ILogger logger, int id, string @object, string reason);

    [LoggerMessage(122, LogLevel.Error, "osd.{Id}: replicated transaction on {Object} failed unexpectedly; answering -EIO")]
    public static partial void RepOpFailed(ILogger logger, Exception exception, int id, string @object);

    [LoggerMessage(123, LogLevel.Error, "osd.{Id}: {Command} failed unexpectedly; answering -EIO")]
    public static partial void CommandFailed(ILogger logger, Exception exception, int id, string command);

    [LoggerMessage(124, LogLevel.Debug, "osd.{Id}: command {Command} answered {Result}: {Status}")]
    public static partial void CommandRefused(ILogger logger, int id, string command, int result, string status);
}
