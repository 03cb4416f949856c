using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Mon;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The boot half of the OSD's monitor layer: from no session to "the monitors report this OSD up".</summary>
public sealed partial class OsdMonClient
{
    private OsdInfo? _self;
    private Guid _uuid;
    private IDisposable? _osdmaps;

    /// <summary>
    /// Boots: starts the MonClient and waits for a session until <c>client_mount_timeout</c>, checks the
    /// fsid, sends MOSDBoot and returns once the monitors report this OSD up. A new session on the way
    /// gets the boot again, as ceph-osd re-sends it on a new monitor session; every refusal is a
    /// <see cref="MonRefusedException"/>.
    /// </summary>
    public async Task BootAsync(OsdInfo self, CancellationToken ct)
    {
        _self = self;
        _uuid = _options.Uuid ?? throw new MonRefusedException(MonRefusal.MissingUuid,
            "an OSD joining monitors needs its uuid (the one given to `ceph osd new UUID`): pass --uuid");

        // The sample keeps no OSDMap: a new epoch only means `osd dump` is worth asking again.
        _osdmaps ??= _monc.Subscribe("osdmap", _ => _mapChanged = true, start: _cluster.Epoch + 1);
        await _monc.StartAsync(ct);
        try
        {
            await _monc.WaitForSessionAsync(_options.MonConnectTimeout, ct);
        }
        catch (MonClientException e) when (e.Errno == Errno.ETIMEDOUT)
        {
            throw new MonRefusedException(MonRefusal.MonitorUnreachable, e.Message);
        }
        catch (MonClientException e) when (e.Errno == Errno.EACCES)
        {
            throw new MonRefusedException(MonRefusal.AuthRefused, e.Message);
        }

        CheckFsid();
        await WaitForRotatingKeysAsync(ct);
        _newSession = false;
        SendBoot(await OsdMapEpochAsync(ct));
        UpEpoch = await WaitUntilUpAsync(ct);
        Log.Up(_logger, _options.Id, UpEpoch, self.Public.ToString());
    }

    /// <summary>
    /// Ceph's <c>wait_auth_rotating</c> before boot: with cephx the OSD cannot verify a single client or
    /// peer until it holds the monitors' rotating OSD secrets.
    /// </summary>
    private async Task WaitForRotatingKeysAsync(CancellationToken ct)
    {
        if (_monc.Keeper is not CephxKeeper keeper || !keeper.KeepsRotatingKeys)
        {
            return;
        }

        try
        {
            await keeper.WaitForRotatingKeysAsync(ct).WaitAsync(_options.RotatingKeysTimeout, ct);
        }
        catch (TimeoutException)
        {
            throw new MonRefusedException(MonRefusal.AuthRefused,
                $"the monitors sent no rotating service secrets within {_options.RotatingKeysTimeout.TotalSeconds:0} s (rotating_keys_bootstrap_timeout): does osd.{_options.Id}'s key have 'allow profile osd' on mon?");
        }
    }

    private void CheckFsid()
    {
        Guid fsid = _monc.Fsid;
        if (_options.Fsid != Guid.Empty && _options.Fsid != OsdOptions.DefaultFsid && _options.Fsid != fsid)
        {
            throw new MonRefusedException(MonRefusal.WrongFsid, $"the monitors' cluster fsid {fsid} is not ours ({_options.Fsid}): wrong cluster");
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
        _monc.SendMessage(boot);
    }

    /// <summary>Polls `osd dump` until the monitors list this OSD up at our address; refusals throw.</summary>
    private async Task<uint> WaitUntilUpAsync(CancellationToken ct)
    {
        DateTime deadline = DateTime.UtcNow + _options.BootTimeout;
        while (true)
        {
            if (_newSession)
            {
                _newSession = false; // a new monitor: say it again
                SendBoot(await OsdMapEpochAsync(ct));
            }

            OsdDump dump;
            try
            {
                dump = await OsdDumpAsync(ct);
            }
            catch (MonClientException e) when (e.Errno == Errno.ETIMEDOUT && DateTime.UtcNow <= deadline)
            {
                continue; // no monitor answered in time: the MonClient hunts; ask again
            }

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
