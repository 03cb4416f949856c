using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Log lines of object I/O and replication (event ids 120–139).</summary>
internal static partial class OpLog
{
    [LoggerMessage(120, LogLevel.Error, "osd.{Id}: {Request} failed unexpectedly; answering -EIO")]
    public static partial void OpFailed(ILogger logger, Exception exception, int id, string request);

    [LoggerMessage(121, LogLevel.Warning, "osd.{Id}: replicated transaction on {Object} refused: {Reason}")]
    public static partial void RepOpRejected(ILogger logger, int id, string @object, string reason);

    [LoggerMessage(122, LogLevel.Error, "osd.{Id}: replicated transaction on {Object} failed unexpectedly; answering -EIO")]
    public static partial void RepOpFailed(ILogger logger, Exception exception, int id, string @object);
}
