using KestrelMessenger.Messages;
using KestrelMessenger.Mon;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The OSD's side of the monitors, on top of the library's <see cref="MonClient"/> (which hunts, keeps
/// the session, re-hunts, subscribes and resends commands): check the cluster fsid, boot with MOSDBoot
/// and wait until the monitors report the OSD up (OsdMonClient.Boot.cs); then, while the OSD runs,
/// beacons, failure reports, `osd dump` on each new osdmap, and booting again if the monitors marked it
/// down (OsdMonClient.Run.cs). Start refusals become <see cref="MonRefusedException"/>.
/// </summary>
public sealed partial class OsdMonClient
{
    private readonly OsdOptions _options;
    private readonly MonClient _monc;
    private readonly ClusterMap _cluster;
    private readonly FailureReports _reports;
    private readonly ILogger<OsdMonClient> _logger;
    private volatile bool _mapChanged;
    private volatile bool _newSession;

    /// <summary>Creates the OSD layer over <paramref name="monc"/>.</summary>
    public OsdMonClient(IOptions<OsdOptions> options, MonClient monc, ClusterMap cluster, FailureReports reports, ILogger<OsdMonClient> logger)
    {
        _options = options.Value;
        _monc = monc;
        _cluster = cluster;
        _reports = reports;
        _logger = logger;

        // A new session: everything is said again (Ceph's OSD::ms_handle_connect on the mon).
        _monc.SessionEstablished += _ => _newSession = true;
    }

    /// <summary>The cluster fsid, from the monmap.</summary>
    public Guid Fsid => _monc.Fsid;

    /// <summary>The osdmap epoch in which the monitors (last) reported this OSD up.</summary>
    public uint UpEpoch { get; private set; }

    /// <summary>pg_num of each pool, from the last `osd dump` (object listing needs it).</summary>
    public IReadOnlyDictionary<long, uint> PgNums => _pgNums;

    private volatile IReadOnlyDictionary<long, uint> _pgNums = new Dictionary<long, uint>();

    /// <summary>True when monitors are configured.</summary>
    public bool Enabled => _monc.HasMonitors;

    /// <summary>Asks the monitor for `osd dump` (JSON) and refreshes <see cref="PgNums"/> and the <see cref="ClusterMap"/>.</summary>
    private async Task<OsdDump> OsdDumpAsync(CancellationToken ct)
    {
        MonCommandResult result = await _monc.CommandAsync("""{"prefix":"osd dump","format":"json"}""", ct);
        if (!result.Succeeded)
        {
            throw new MonClientException(result.Result, $"osd dump: {result}");
        }

        OsdDump dump = OsdDump.Parse(result.OutputText);
        _pgNums = dump.PgNums;
        _cluster.Update(dump);
        _monc.SubGot("osdmap", dump.Epoch); // a new session resumes the osdmap subscription after it
        return dump;
    }

    private async Task<uint> OsdMapEpochAsync(CancellationToken ct) => (uint)(await _monc.GetVersionAsync("osdmap", ct)).Newest;

    private static partial class Log
    {
        [LoggerMessage(110, LogLevel.Information, "osd.{Id} is up in osdmap epoch {Epoch} at {Public}")]
        public static partial void Up(ILogger logger, int id, uint epoch, string @public);

        [LoggerMessage(115, LogLevel.Warning, "osd.{Id}: the monitors marked us down in osdmap epoch {Epoch}; booting again")]
        public static partial void MarkedDown(ILogger logger, int id, uint epoch);

        [LoggerMessage(116, LogLevel.Information, "osd.{Id}: reporting osd.{Peer} {What} to the monitor (silent {Silence:0} s)")]
        public static partial void FailureReported(ILogger logger, int id, int peer, string what, double silence);

        [LoggerMessage(117, LogLevel.Warning, "osd.{Id}: monitor session step failed: {Reason}")]
        public static partial void StepFailed(ILogger logger, int id, string reason);

        [LoggerMessage(118, LogLevel.Warning, "osd.{Id}: the osdmap no longer has osd.{Id}; not booting again")]
        public static partial void Removed(ILogger logger, int id);
    }
}
