using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Messages.Osd;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The boot half of the MonClient: from no session to "the monitors report this OSD up".</summary>
public sealed partial class MonClient
{
    private OsdInfo? _self;
    private Guid _uuid;

    /// <summary>
    /// Boots: hunts a monitor until <c>client_mount_timeout</c>, checks the fsid, sends MOSDBoot and
    /// returns once the monitors report this OSD up. A session lost on the way is hunted again and the
    /// boot re-sent, as ceph-osd does on a new monitor session; every refusal is a
    /// <see cref="MonRefusedException"/>.
    /// </summary>
    public async Task BootAsync(Messenger publicMessenger, OsdInfo self, CancellationToken ct)
    {
        _messenger = publicMessenger;
        _self = self;
        _uuid = _options.Uuid ?? throw new MonRefusedException(MonRefusal.MissingUuid,
            "an OSD joining monitors needs its uuid (the one given to `ceph osd new UUID`): pass --uuid");
        DateTime deadline = DateTime.UtcNow + _options.MonConnectTimeout;
        bool warned = false;
        while (true)
        {
            try
            {
                await OpenSessionAsync(deadline, reasons =>
                {
                    if (!warned)
                    {
                        warned = true;
                        Log.StillHunting(logger, _options.Id, reasons, _options.MonConnectTimeout.TotalSeconds);
                    }
                }, ct);
                await CheckFsidAsync(ct);
                SendBoot(await OsdMapEpochAsync(ct));
                UpEpoch = await WaitUntilUpAsync(ct);
                Log.Up(logger, _options.Id, UpEpoch, self.Public.ToString());
                return;
            }
            catch (MonSessionLostException lost)
            {
                Log.SessionLost(logger, _options.Id, lost.Message);
                _session?.MarkDown();
            }
        }
    }

    private async Task CheckFsidAsync(CancellationToken ct)
    {
        MMonMap monmap = await ReplyOrLossAsync(_monmap.Task, _session!, ct);
        Fsid = monmap.Fsid;
        if (_options.Fsid != Guid.Empty && _options.Fsid != OsdOptions.DefaultFsid && _options.Fsid != Fsid)
        {
            throw new MonRefusedException(MonRefusal.WrongFsid, $"the monitors' cluster fsid {Fsid} is not ours ({_options.Fsid}): wrong cluster");
        }
    }

    /// <summary>MOSDBoot with our cluster and heartbeat addresses; the public ones travel in CLIENT_IDENT.</summary>
    private void SendBoot(uint epoch)
    {
        OsdInfo self = _self!;
        var boot = new MOSDBoot
        {
            // A current epoch in the paxos version keeps the monitor from taking a re-boot at the same
            // addresses for a stale one ("msg from before last up_from").
            Paxos = new PaxosServiceHeader(epoch),
            Superblock = new OsdSuperblock
            {
                ClusterFsid = Fsid, WhoAmI = _options.Id, OsdFsid = _uuid,
                CurrentEpoch = epoch, OldestMap = Math.Min(epoch, 1), NewestMap = epoch,
            },
            BootEpoch = UpEpoch,
            HeartbeatBackAddrs = self.HeartbeatBack,
            ClusterAddrs = self.Cluster,
            HeartbeatFrontAddrs = self.HeartbeatFront,
        };
        boot.Metadata["ceph_release"] = "pacific";
        boot.Metadata["ceph_version"] = "KestrelMessenger OSD sample (msgr2.1, Ceph 16.2 wire)";
        boot.Metadata["hostname"] = Environment.MachineName;
        boot.Metadata["osd_objectstore"] = "memory";
        boot.Metadata["front_addr"] = self.Public.ToString();
        boot.Metadata["back_addr"] = self.Cluster.ToString();
        _session?.SendMessage(boot);
    }

    /// <summary>Polls `osd dump` until the monitors list this OSD up at our address; refusals throw.</summary>
    private async Task<uint> WaitUntilUpAsync(CancellationToken ct)
    {
        DateTime deadline = DateTime.UtcNow + _options.BootTimeout;
        while (true)
        {
            OsdDump dump = await OsdDumpAsync(ct);
            ClusterOsd me = dump.Osds.FirstOrDefault(o => o.Id == _options.Id)
                ?? throw new MonRefusedException(MonRefusal.UnknownOsd,
                    $"the monitors do not know osd.{_options.Id}: create it first with `ceph osd new {_uuid} {_options.Id}`");
            if (me.Uuid != Guid.Empty && me.Uuid != _uuid)
            {
                throw new MonRefusedException(MonRefusal.UuidInUse,
                    $"osd.{_options.Id} belongs to uuid {me.Uuid}, not ours ({_uuid}): the monitors ignore our boot");
            }

            if (IsUsUp(me))
            {
                return dump.Epoch;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new MonRefusedException(MonRefusal.NotMarkedUp,
                    $"the monitors did not mark osd.{_options.Id} up within {_options.BootTimeout.TotalSeconds:0} s (is it in CRUSH, is `noup` set?)");
            }

            await Task.Delay(500, ct);
        }
    }

    /// <summary>Up, and at our public address (this process's nonce), not an older instance's.</summary>
    private bool IsUsUp(ClusterOsd me) => me.Up && me.Addrs.Public.Any(a => a.Nonce == _self!.Public[0].Nonce);
}
