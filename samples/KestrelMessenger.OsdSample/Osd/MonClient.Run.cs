using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The running half of the MonClient: keep a session for as long as the OSD runs.</summary>
public sealed partial class MonClient
{
    private DateTime _nextKeepalive;
    private DateTime _nextReport;
    private DateTime _nextBeacon;
    private DateTime? _bootSent;

    /// <summary>
    /// Ceph's MonClient tick plus the OSD's mon reports, until <paramref name="ct"/> stops it: a lost or
    /// silent session (<c>mon_client_ping_timeout</c>) is hunted again with backoff, however long the
    /// monitors are away; on each new session the pending failure reports are re-sent and a beacon goes
    /// out at once. Keepalives every <c>mon_client_ping_interval</c>, failure reports every
    /// <c>osd_mon_report_interval</c>, beacons every <c>osd_beacon_report_interval</c>, `osd dump` on
    /// each new osdmap epoch; marked down while alive, the OSD boots again. Only the token ends it.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        DateTime now = DateTime.UtcNow;
        Volatile.Write(ref _lastKeepaliveAck, now.Ticks); // boot may have taken a while; keepalives start now
        _nextKeepalive = now + _options.MonPingInterval;
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
            catch (MonSessionLostException)
            {
                _session?.MarkDown(); // the next tick logs the loss and hunts
            }
            catch (Exception e)
            {
                // Never the end of the session loop: the next tick tries again.
                Log.StepFailed(logger, _options.Id, e.Message);
            }
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        DateTime now = DateTime.UtcNow;
        IConnection? session = _session;
        TimeSpan silent = now - new DateTime(Volatile.Read(ref _lastKeepaliveAck), DateTimeKind.Utc);
        if (session is null || session.IsClosed || silent > _options.MonPingTimeout)
        {
            string reason = session is null ? "no session"
                : session.IsClosed ? session.CloseReason ?? "closed"
                : $"no keepalive answer for {silent.TotalSeconds:0} s (mon_client_ping_timeout {_options.MonPingTimeout.TotalSeconds:0} s)";
            session?.MarkDown();
            Log.SessionLost(logger, _options.Id, reason);
            session = (await OpenSessionAsync(deadline: null, firstAttemptFailed: null, ct)).Connection;

            // A new session: everything is said again (Ceph's ms_handle_connect on the mon).
            reports.Requeue();
            now = DateTime.UtcNow;
            _nextReport = now;
            _nextBeacon = now;
            _mapChanged = true;
        }

        if (now >= _nextKeepalive)
        {
            Keepalive(session);
            _hunter.Backoff.Relax();
            _nextKeepalive = now + _options.MonPingInterval;
        }

        if (now >= _nextReport)
        {
            SendFailureReports(session, now);
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
            session.SendMessage(new MOSDBeacon { Paxos = new PaxosServiceHeader(Math.Max(UpEpoch, cluster.Epoch)), ReportInterval = (uint)_options.BeaconInterval.TotalSeconds });
            _nextBeacon = now + _options.BeaconInterval;
        }
    }

    private void Keepalive(IConnection session) =>
        _ = session.PingAsync(CancellationToken.None).ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    Volatile.Write(ref _lastKeepaliveAck, DateTime.UtcNow.Ticks);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Ceph's send_failures / send_still_alive: each due report as an MOSDFailure naming the target as the osdmap has it.</summary>
    private void SendFailureReports(IConnection session, DateTime now)
    {
        uint epoch = Math.Max(UpEpoch, cluster.Epoch);
        foreach (FailureReport report in reports.TakeDue(now))
        {
            if (cluster.Get(report.Peer) is not ClusterOsd target || target.Addrs.Public.Count == 0)
            {
                continue; // the monitors do not list it: there is nothing to tell them
            }

            session.SendMessage(new MOSDFailure
            {
                Paxos = new PaxosServiceHeader(epoch),
                Fsid = Fsid,
                TargetOsd = report.Peer,
                TargetAddrs = target.Addrs.Public,
                Epoch = epoch,
                Flags = report.Failed ? OsdFailureFlags.Failed : OsdFailureFlags.Alive,
                FailedFor = (int)report.FailedFor.TotalSeconds,
            });
            Log.FailureReported(logger, _options.Id, report.Peer, report.Failed ? "failed" : "alive again", report.FailedFor.TotalSeconds);
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
                Log.Removed(logger, _options.Id);
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
                Log.Up(logger, _options.Id, UpEpoch, _self!.Public.ToString());
            }

            return;
        }

        // Marked down while running (Ceph's "wrongly marked me down"): boot again, and again after
        // the boot timeout if the monitors still ignore it.
        DateTime now = DateTime.UtcNow;
        if (_bootSent is null)
        {
            Log.MarkedDown(logger, _options.Id, dump.Epoch);
        }

        if (_bootSent is null || now - _bootSent > _options.BootTimeout)
        {
            SendBoot(dump.Epoch);
            _bootSent = now;
        }
    }

    private static TimeSpan Min(params TimeSpan[] values) => values.Min();
}
