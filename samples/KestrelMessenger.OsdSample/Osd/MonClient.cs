using KestrelMessenger.Config;
using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>The monitor session closed (or stopped answering) while a request waited on it: hunt again.</summary>
public sealed class MonSessionLostException(string reason) : Exception(reason);

/// <summary>
/// The OSD's MonClient, as ceph-osd's init uses it: hunt a monitor over the public messenger (auth
/// none, monitor mode) until <c>client_mount_timeout</c>, check the cluster fsid, boot with MOSDBoot
/// and wait until the monitors report the OSD up (MonClient.Boot.cs); then keep the session
/// (MonClient.Run.cs): keepalives, re-hunting with backoff for as long as the OSD runs, beacons,
/// failure reports, and booting again if the monitors marked it down.
/// </summary>
public sealed partial class MonClient(IOptions<OsdOptions> options, ClusterMap cluster, FailureReports reports, ILogger<MonClient> logger) : IDispatcher
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly OsdOptions _options = options.Value;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<Message>> _waiting = new();
    private readonly List<EntityAddrVec> _monitors = ParseMonHost(options.Value.MonHost);
    private readonly MonHunter _hunter = new(ParseMonHost(options.Value.MonHost), options.Value, logger);
    private TaskCompletionSource<MMonMap> _monmap = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Messenger? _messenger;
    private volatile IConnection? _session;
    private long _lastKeepaliveAck;
    private volatile bool _mapChanged;
    private long _tid;

    /// <summary>The cluster fsid, from the monmap.</summary>
    public Guid Fsid { get; private set; }

    /// <summary>The osdmap epoch in which the monitors (last) reported this OSD up.</summary>
    public uint UpEpoch { get; private set; }

    /// <summary>pg_num of each pool, from the last `osd dump` (object listing needs it).</summary>
    public IReadOnlyDictionary<long, uint> PgNums => _pgNums;

    private volatile IReadOnlyDictionary<long, uint> _pgNums = new Dictionary<long, uint>();

    /// <summary>True when monitors are configured.</summary>
    public bool Enabled => _monitors.Count > 0;

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
            case { Type: MessageTypes.OsdMap } when message.Source.Type == EntityType.Mon:
                // The sample keeps no OSDMap: a new epoch only means `osd dump` is worth asking again.
                _mapChanged = true;
                return ValueTask.FromResult(true);
            case { Type: MessageTypes.Config or MessageTypes.MgrMap } when message.Source.Type == EntityType.Mon:
                return ValueTask.FromResult(true);
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

    /// <summary>Hunts a monitor (until <paramref name="deadline"/>, if any), makes it the session, and subscribes to osdmap changes.</summary>
    private async Task<MonSessionFound> OpenSessionAsync(DateTime? deadline, Action<string>? firstAttemptFailed, CancellationToken ct)
    {
        MonSessionFound found = await _hunter.HuntAsync(_messenger!, deadline, firstAttemptFailed, ct);
        _monmap = new TaskCompletionSource<MMonMap>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _lastKeepaliveAck, DateTime.UtcNow.Ticks);
        _session = found.Connection;
        found.Connection.SendMessage(new MMonGetMap());
        var subscribe = new MMonSubscribe { Hostname = Environment.MachineName };
        subscribe.What["osdmap"] = new SubscribeItem(cluster.Epoch + 1, 0); // continuous: every new epoch
        found.Connection.SendMessage(subscribe);
        Log.SessionFound(logger, _options.Id, found.Connection.PeerAddrs.ToString(), found.Attempts, found.Elapsed.TotalSeconds);
        return found;
    }

    /// <summary>Asks the monitor for `osd dump` (JSON) and refreshes <see cref="PgNums"/> and the <see cref="ClusterMap"/>.</summary>
    private async Task<OsdDump> OsdDumpAsync(CancellationToken ct)
    {
        ulong tid = (ulong)Interlocked.Increment(ref _tid);
        var command = new MMonCommand { Tid = tid, Fsid = Fsid };
        command.Command.Add("""{"prefix":"osd dump","format":"json"}""");
        var ack = (MMonCommandAck)await RequestAsync(tid, command, ct);
        OsdDump dump = OsdDump.Parse(ack.Output);
        _pgNums = dump.PgNums;
        cluster.Update(dump);
        return dump;
    }

    private async Task<uint> OsdMapEpochAsync(CancellationToken ct)
    {
        ulong handle = (ulong)Interlocked.Increment(ref _tid);
        var reply = (MMonGetVersionReply)await RequestAsync(handle, new MMonGetVersion { Handle = handle, What = "osdmap" }, ct);
        return (uint)reply.MapVersion;
    }

    /// <summary>Sends <paramref name="request"/> on the session and waits for the reply matched by <paramref name="tid"/>.</summary>
    private async Task<Message> RequestAsync(ulong tid, Message request, CancellationToken ct)
    {
        IConnection session = _session ?? throw new MonSessionLostException("no monitor session");
        var done = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[tid] = done;
        request.Tid = request is MMonGetVersion ? 0 : tid;
        try
        {
            if (!session.SendMessage(request))
            {
                throw new MonSessionLostException(session.CloseReason ?? "monitor session closed");
            }

            return await ReplyOrLossAsync(done.Task, session, ct);
        }
        finally
        {
            _waiting.TryRemove(tid, out _);
        }
    }

    /// <summary>
    /// The reply, or <see cref="MonSessionLostException"/> when the session closes first or the monitor
    /// stays silent past the request timeout (the session is then marked down, so the next step hunts).
    /// </summary>
    private static async Task<T> ReplyOrLossAsync<T>(Task<T> reply, IConnection session, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        Task expired = Task.Delay(Timeout.Infinite, timeout.Token);
        Task first = await Task.WhenAny(reply, session.Closed, expired);
        if (first == reply)
        {
            return await reply;
        }

        ct.ThrowIfCancellationRequested();
        if (first == expired)
        {
            session.MarkDown();
            throw new MonSessionLostException($"the monitor did not answer within {RequestTimeout.TotalSeconds:0} s");
        }

        throw new MonSessionLostException(session.CloseReason ?? "monitor session closed");
    }

    /// <summary>
    /// ceph.conf's mon_host, as the library's <see cref="MonHost"/> reads it (every form Ceph accepts), keeping
    /// each monitor's msgr2 addresses: this OSD speaks msgr2 only. A monitor with none is left out.
    /// </summary>
    public static List<EntityAddrVec> ParseMonHost(string? monHost)
    {
        if (string.IsNullOrWhiteSpace(monHost))
        {
            return [];
        }

        IReadOnlyList<EntityAddrVec> monitors;
        try
        {
            monitors = MonHost.Parse(monHost);
        }
        catch (CephConfigException e)
        {
            throw new OsdConfigException(e.Message);
        }

        return [.. monitors.Select(v => new EntityAddrVec(v.Where(a => a.Type == EntityAddrType.Msgr2))).Where(v => v.Count > 0)];
    }

    private static partial class Log
    {
        [LoggerMessage(110, LogLevel.Information, "osd.{Id} is up in osdmap epoch {Epoch} at {Public}")]
        public static partial void Up(ILogger logger, int id, uint epoch, string @public);

        [LoggerMessage(112, LogLevel.Warning, "osd.{Id}: monitor session lost ({Reason}); hunting for a monitor")]
        public static partial void SessionLost(ILogger logger, int id, string reason);

        [LoggerMessage(113, LogLevel.Information, "osd.{Id}: monitor session with {Mon} (after {Attempts} hunt attempt(s), {Elapsed:0.0} s)")]
        public static partial void SessionFound(ILogger logger, int id, string mon, int attempts, double elapsed);

        [LoggerMessage(114, LogLevel.Warning, "osd.{Id}: no monitor answers yet ({Reasons}); hunting until {Timeout:0} s have passed (client_mount_timeout)")]
        public static partial void StillHunting(ILogger logger, int id, string reasons, double timeout);

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
