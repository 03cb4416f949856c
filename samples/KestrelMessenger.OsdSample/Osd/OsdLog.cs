using Microsoft.Extensions.Logging;

namespace KestrelMessenger.OsdSample.Osd;

internal static partial class OsdLog
{
    [LoggerMessage(100, LogLevel.Information, "osd.{Id} init: public {Public}, cluster {Cluster}, hb back {Back}, hb front {Front}")]
    public static partial void Init(ILogger logger, int id, string @public, string cluster, string back, string front);

    [LoggerMessage(101, LogLevel.Warning, "osd.{Id}: heartbeat_check: no reply from osd.{Peer} on {Network} for {Silence:0.0} s (grace {Grace:0.0} s): reporting it failed")]
    public static partial void PeerFailed(ILogger logger, int id, int peer, string network, double silence, double grace);

    [LoggerMessage(102, LogLevel.Information, "osd.{Id}: osd.{Peer} answers heartbeats again: reporting it up")]
    public static partial void PeerRecovered(ILogger logger, int id, int peer);

    [LoggerMessage(103, LogLevel.Warning, "osd.{Id}: replication of {Object} to osd.{Replica} failed: {Reason}")]
    public static partial void ReplicationFailed(ILogger logger, int id, string @object, int replica, string reason);
}
