using System.Collections.Concurrent;
using System.Text.Json;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The monitors refused this OSD, or never reported it up: the process should stop.</summary>
public sealed class MonRefusedException(string message) : Exception(message);

/// <summary>
/// The OSD's MonClient, as ceph-osd's init uses it: hunt a monitor over the public messenger (auth
/// none, monitor mode), check the cluster fsid, boot with MOSDBoot, wait until the monitors report
/// the OSD up, then keep the session alive (keepalives, re-hunting on loss) and send MOSDBeacon.
/// </summary>
public sealed partial class MonClient(IOptions<OsdOptions> options, ILogger<MonClient> logger) : IDispatcher
{
    private readonly OsdOptions _options = options.Value;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<Message>> _waiting = new();
    private readonly List<EntityAddrVec> _monitors = ParseMonHost(options.Value.MonHost);
    private TaskCompletionSource<MMonMap> _monmap = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Messenger? _messenger;
    private IConnection? _session;
    private long _tid;
    private int _hunt;

    /// <summary>The cluster fsid, from the monmap.</summary>
    public Guid Fsid { get; private set; }

    /// <summary>The osdmap epoch in which the monitors reported this OSD up.</summary>
    public uint UpEpoch { get; private set; }

    /// <summary>pg_num of each pool, from the last `osd dump` (object listing needs it).</summary>
    public IReadOnlyDictionary<long, uint> PgNums => _pgNums;

    private volatile Dictionary<long, uint> _pgNums = [];

    /// <summary>True when monitors are configured.</summary>
    public bool Enabled => _monitors.Count > 0;

    /// <summary>Boots: returns once the monitors report this OSD up; throws <see cref="MonRefusedException"/> otherwise.</summary>
    public async Task BootAsync(Messenger publicMessenger, OsdInfo self, CancellationToken ct)
    {
        _messenger = publicMessenger;
        Guid uuid = _options.Uuid ?? throw new MonRefusedException("an OSD joining monitors needs its uuid (the one given to `ceph osd new UUID`)");
        await HuntAsync(ct);
        MMonMap monmap = await _monmap.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Fsid = monmap.Fsid;
        if (_options.Fsid != Guid.Empty && _options.Fsid != OsdOptions.DefaultFsid && _options.Fsid != Fsid)
        {
            throw new MonRefusedException($"the monitors' cluster fsid {Fsid} is not ours ({_options.Fsid}): wrong cluster");
        }

        uint epoch = await OsdMapEpochAsync(ct);
        var boot = new MOSDBoot
        {
            Paxos = new PaxosServiceHeader(epoch),
            Superblock = new OsdSuperblock
            {
                ClusterFsid = Fsid, WhoAmI = _options.Id, OsdFsid = uuid,
                CurrentEpoch = epoch, OldestMap = Math.Min(epoch, 1), NewestMap = epoch,
            },
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
        _session!.SendMessage(boot);
        UpEpoch = await WaitUntilUpAsync(uuid, self, ct);
        Log.Up(logger, _options.Id, UpEpoch, self.Public.ToString());
    }

    /// <summary>Keeps the session: keepalives every ping interval (re-hunting when it dropped), beacons every beacon interval.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        DateTime nextBeacon = DateTime.UtcNow + _options.BeaconInterval;
        TimeSpan tick = _options.MonPingInterval < _options.BeaconInterval ? _options.MonPingInterval : _options.BeaconInterval;
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (_session is null || _session.IsClosed)
                {
                    Log.Rehunt(logger, _options.Id, _session?.CloseReason ?? "no session");
                    await HuntAsync(ct);
                    nextBeacon = DateTime.UtcNow; // tell the new monitor session we are alive at once
                }

                _session!.SendKeepalive();
                if (DateTime.UtcNow >= nextBeacon)
                {
                    _session.SendMessage(new MOSDBeacon { Paxos = new PaxosServiceHeader(UpEpoch), ReportInterval = (uint)_options.BeaconInterval.TotalSeconds });
                    nextBeacon = DateTime.UtcNow + _options.BeaconInterval;
                    await RefreshPoolsAsync(ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message)
    {
        switch (message)
        {
            case MMonMap map:
                _monmap.TrySetResult(map);
                return ValueTask.FromResult(true);
            case MMonGetVersionReply reply:
                Complete(reply.Handle, reply);
                return ValueTask.FromResult(true);
            case MMonCommandAck ack:
                Complete(ack.Tid, ack);
                return ValueTask.FromResult(true);
            case { Type: MessageTypes.OsdMap or MessageTypes.Config or MessageTypes.MgrMap } when message.Source.Type == EntityType.Mon:
                return ValueTask.FromResult(true); // pushed maps: the sample keeps no OSDMap
            default:
                return ValueTask.FromResult(false);
        }
    }

    private void Complete(ulong tid, Message reply)
    {
        if (_waiting.TryRemove(tid, out TaskCompletionSource<Message>? done))
        {
            done.TrySetResult(reply);
        }
    }

    private async Task HuntAsync(CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            EntityAddrVec mon = _monitors[Interlocked.Increment(ref _hunt) % _monitors.Count];
            _monmap = new TaskCompletionSource<MMonMap>(TaskCreationOptions.RunContinuationsAsynchronously);
            _session = _messenger!.ConnectTo(EntityType.Mon, mon);
            _session.SendMessage(new MMonGetMap());
            try
            {
                await _session.PingAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < 10 * _monitors.Count)
            {
                Log.HuntFailed(logger, _options.Id, mon.ToString(), _session.CloseReason ?? e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(1 << Math.Min(attempt, 4), 10)), ct);
            }
        }
    }

    private async Task<uint> OsdMapEpochAsync(CancellationToken ct)
    {
        ulong handle = (ulong)Interlocked.Increment(ref _tid);
        var reply = (MMonGetVersionReply)await RequestAsync(handle, new MMonGetVersion { Handle = handle, What = "osdmap" }, ct);
        return (uint)reply.MapVersion;
    }

    private async Task<uint> WaitUntilUpAsync(Guid uuid, OsdInfo self, CancellationToken ct)
    {
        DateTime deadline = DateTime.UtcNow + _options.BootTimeout;
        while (true)
        {
            using JsonDocument dump = await OsdDumpAsync(ct);
            JsonElement? me = dump.RootElement.GetProperty("osds").EnumerateArray()
                .Select(o => (JsonElement?)o).FirstOrDefault(o => o!.Value.GetProperty("osd").GetInt32() == _options.Id);
            if (me is not JsonElement osd)
            {
                throw new MonRefusedException($"the monitors do not know osd.{_options.Id}: create it first with `ceph osd new {uuid} {_options.Id}`");
            }

            if (Guid.TryParse(osd.GetProperty("uuid").GetString(), out Guid registered) && registered != Guid.Empty && registered != uuid)
            {
                throw new MonRefusedException($"osd.{_options.Id} belongs to uuid {registered}, not ours ({uuid}): the monitors ignore our boot");
            }

            bool up = osd.GetProperty("up").GetInt32() == 1;
            bool ours = osd.GetProperty("public_addrs").GetProperty("addrvec").EnumerateArray()
                .Any(a => a.GetProperty("nonce").GetUInt32() == self.Public[0].Nonce);
            if (up && ours)
            {
                return (uint)dump.RootElement.GetProperty("epoch").GetInt32();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new MonRefusedException($"the monitors did not mark osd.{_options.Id} up within {_options.BootTimeout.TotalSeconds:0} s (is it in CRUSH, is `noup` set?)");
            }

            await Task.Delay(500, ct);
        }
    }

    /// <summary>Asks the monitor for `osd dump` (JSON), remembering each pool's pg_num on the way.</summary>
    private async Task<JsonDocument> OsdDumpAsync(CancellationToken ct)
    {
        ulong tid = (ulong)Interlocked.Increment(ref _tid);
        var command = new MMonCommand { Tid = tid, Fsid = Fsid };
        command.Command.Add("""{"prefix":"osd dump","format":"json"}""");
        var ack = (MMonCommandAck)await RequestAsync(tid, command, ct);
        JsonDocument dump = JsonDocument.Parse(ack.Output);
        _pgNums = dump.RootElement.GetProperty("pools").EnumerateArray()
            .ToDictionary(p => p.GetProperty("pool").GetInt64(), p => p.GetProperty("pg_num").GetUInt32());
        return dump;
    }

    /// <summary>Refreshes <see cref="PgNums"/> (pools can be created while we run).</summary>
    private async Task RefreshPoolsAsync(CancellationToken ct)
    {
        try
        {
            (await OsdDumpAsync(ct)).Dispose();
        }
        catch (TimeoutException)
        {
            // the next beacon tick tries again
        }
    }

    private async Task<Message> RequestAsync(ulong tid, Message request, CancellationToken ct)
    {
        var done = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[tid] = done;
        request.Tid = request is MMonGetVersion ? 0 : tid;
        _session!.SendMessage(request);
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>Parses ceph.conf's mon_host: monitors separated by commas or spaces, each "[v2:…,v1:…]" or one address.</summary>
    public static List<EntityAddrVec> ParseMonHost(string? monHost)
    {
        var monitors = new List<EntityAddrVec>();
        if (string.IsNullOrWhiteSpace(monHost))
        {
            return monitors;
        }

        int depth = 0, start = 0;
        for (int i = 0; i <= monHost.Length; i++)
        {
            char c = i < monHost.Length ? monHost[i] : ',';
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (depth == 0 && (c is ',' or ' ' or ';'))
            {
                string part = monHost[start..i].Trim();
                if (part.Length > 0)
                {
                    EntityAddrVec vec = EntityAddrVec.Parse(part);
                    monitors.Add(new EntityAddrVec(vec.Where(a => a.Type == EntityAddrType.Msgr2)));
                }

                start = i + 1;
            }
        }

        return [.. monitors.Where(v => v.Count > 0)];
    }

    private static partial class Log
    {
        [LoggerMessage(110, LogLevel.Information, "osd.{Id} is up in osdmap epoch {Epoch} at {Public}")]
        public static partial void Up(ILogger logger, int id, uint epoch, string @public);

        [LoggerMessage(111, LogLevel.Warning, "osd.{Id}: monitor {Mon} did not answer: {Reason}; trying the next one")]
        public static partial void HuntFailed(ILogger logger, int id, string mon, string reason);

        [LoggerMessage(112, LogLevel.Warning, "osd.{Id}: monitor session lost ({Reason}); hunting for a monitor")]
        public static partial void Rehunt(ILogger logger, int id, string reason);
    }
}
