using KestrelMessenger.Messages.Osd;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The running half of the OSD's monitor layer: what an OSD tells its monitors for as long as it runs.</summary>
public sealed partial class OsdMonClient
{
    private DateTime _nextReport;
    private DateTime _nextBeacon;
    private DateTime? _bootSent;

    /// <summary>
    /// The OSD's mon reports, until <paramref name="ct"/> stops it (the library MonClient keeps the
    /// session, re-hunting with backoff however long the monitors are away): on each new session the
    /// pending failure reports are re-sent and a beacon goes out at once; failure reports every
    /// <c>osd_mon_report_interval</c>, beacons every <c>osd_beacon_report_interval</c>, `osd dump` on
    /// each new osdmap epoch; marked down while alive, the OSD boots again. Only the token ends it.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        DateTime now = DateTime.UtcNow;
        _nextReport = now + _options.MonReportInterval;
        _nextBeacon = now + _options.BeaconInterval;
        TimeSpan tick = Min(_options.MonPingInterval, _options.MonReportInterval, _options.BeaconInterval);
        while (true)
        {
            try
            {
                await Task.Delay(tick, ct);
                await TickAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Never the end of the loop: the next tick tries again.
                Log.StepFailed(_logger, _options.Id, e.Message);
            }
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        if (!_monc.IsConnected)
        {
            return; // the MonClient is hunting; its new session will have everything said again
        }

        DateTime now = DateTime.UtcNow;
        if (_newSession)
        {
            _newSession = false;
            _reports.Requeue();
            _nextReport = now;
            _nextBeacon = now;
            _mapChanged = true;
        }

        if (now >= _nextReport)
        {
            SendFailureReports(now);
            _nextReport = now + _options.MonReportInterval;
        }

        bool beaconDue = now >= _nextBeacon;
        if (_mapChanged || beaconDue || _bootSent is not null)
        {
            _mapChanged = false;
            await RefreshAsync(ct);
        }

        if (beaconDue)
        {
            _monc.SendMessage(new MOSDBeacon { Paxos = new PaxosServiceHeader(Math.Max(UpEpoch, _cluster.Epoch)), ReportInterval = (uint)_options.BeaconInterval.TotalSeconds });
            _nextBeacon = now + _options.BeaconInterval;
        }
    }

    /// <summary>Ceph's send_failures / send_still_alive: each due report as an MOSDFailure naming the target as the osdmap has it.</summary>
    private void SendFailureReports(DateTime now)
    {
        uint epoch = Math.Max(UpEpoch, _cluster.Epoch);
        foreach (FailureReport report in _reports.TakeDue(now))
        {
            if (_cluster.Get(report.Peer) is not ClusterOsd target || target.Addrs.Public.Count == 0)
            {
                continue; // the monitors do not list it: there is nothing to tell them
            }

            _monc.SendMessage(new MOSDFailure
            {
                Paxos = new PaxosServiceHeader(epoch),
                Fsid = Fsid,
                TargetOsd = report.Peer,
                TargetAddrs = target.Addrs.Public,
                Epoch = epoch,
                Flags = report.Failed ? OsdFailureFlags.Failed : OsdFailureFlags.Alive,
                FailedFor = (int)report.FailedFor.TotalSeconds,
            });
            Log.FailureReported(_logger, _options.Id, report.Peer, report.Failed ? "failed" : "alive again", report.FailedFor.TotalSeconds);
        }
    }

    /// <summary>`osd dump`: the cluster view, and whether the monitors still list us up (boot again if not).</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        OsdDump dump = await OsdDumpAsync(ct);
        ClusterOsd? me = dump.Osds.FirstOrDefault(o => o.Id == _options.Id);
        if (me is null)
        {
            if (_bootSent is not null || UpEpoch != 0)
            {
                Log.Removed(_logger, _options.Id);
                _bootSent = null;
                UpEpoch = 0;
            }

            return;
        }

        if (IsUsUp(me))
        {
            if (_bootSent is not null)
            {
                _bootSent = null;
                UpEpoch = me.UpFrom;
                Log.Up(_logger, _options.Id, UpEpoch, _self!.Public.ToString());
            }

            return;
        }

        // Marked down while running (Ceph's "wrongly marked me down"): boot again, and again after
        // the boot timeout if the monitors still ignore it.
        DateTime now = DateTime.UtcNow;
        if (_bootSent is null)
        {
            Log.MarkedDown(_logger, _options.Id, dump.Epoch);
        }

        if (_bootSent is null || now - _bootSent > _options.BootTimeout)
        {
            SendBoot(dump.Epoch);
            _bootSent = now;
        }
    }

    private static TimeSpan Min(params TimeSpan[] values) => values.Min();
}
