using System.Diagnostics;
using System.Diagnostics.Metrics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>A heartbeat network: back = cluster side, front = public side (Ceph pings on both).</summary>
public enum HeartbeatNetwork
{
    /// <summary>hb_back_client → the peer's hb_back_server.</summary>
    Back,
    /// <summary>hb_front_client → the peer's hb_front_server.</summary>
    Front,
}

/// <summary>A peer went silent past the grace period, or came back.</summary>
public sealed record HeartbeatEvent(int Observer, int Peer, bool Failed, string Networks, TimeSpan Silence);

/// <summary>
/// Answers heartbeats on hb_back_server and hb_front_server: a PING gets a PING_REPLY echoing its
/// stamps, inline on the read loop (fast dispatch), as Ceph's OSD answers them.
/// </summary>
public sealed class HeartbeatResponder(IOptions<OsdOptions> options) : IDispatcher
{
    private static readonly long Epoch = Stopwatch.GetTimestamp();

    /// <summary>The sender's monotonic clock, as Ceph's mono_clock.</summary>
    internal static TimeSpan MonoNow => Stopwatch.GetElapsedTime(Epoch);

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

    /// <inheritdoc />
    public bool CanFastDispatch(Message message) => message is MOSDPing { Op: OsdPingOp.Ping };

    /// <inheritdoc />
    public void FastDispatch(Message message)
    {
        var ping = (MOSDPing)message;
        message.Connection?.SendMessage(new MOSDPing
        {
            Fsid = options.Value.Fsid,
            Op = OsdPingOp.PingReply,
            MapEpoch = ping.MapEpoch,
            PingStamp = ping.PingStamp,
            MonoPingStamp = ping.MonoPingStamp,
            MonoSendStamp = MonoNow,
            MinMessageSize = ping.MinMessageSize,
        });
    }
}

/// <summary>
/// Ceph's OSD::heartbeat and heartbeat_check: pings every peer over both heartbeat networks each
/// interval, and reports a peer failed when either network has been silent longer than the grace,
/// and up again when both answer. Replies arrive on hb_back_client and hb_front_client. Peers are
/// the static map's and, with monitors, the up OSDs of the last `osd dump`; a failure is queued in
/// <see cref="FailureReports"/> for the monitor, dated from the older of the two last replies.
/// </summary>
public sealed class HeartbeatMonitor : IDispatcher
{
    private readonly OsdOptions _options;
    private readonly OsdMap _map;
    private readonly ClusterMap _cluster;
    private readonly FailureReports _reports;
    private readonly ILogger _logger;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _recoveries;
    private readonly Dictionary<int, PeerState> _peers = [];
    private readonly object _lock = new();
    private Messenger? _back;
    private Messenger? _front;

    /// <summary>Creates the monitor.</summary>
    public HeartbeatMonitor(IOptions<OsdOptions> options, OsdMap map, ClusterMap cluster, FailureReports reports, ILogger<HeartbeatMonitor> logger, IMeterFactory meters)
    {
        _options = options.Value;
        _map = map;
        _cluster = cluster;
        _reports = reports;
        _logger = logger;
        Meter meter = meters.Create("KestrelMessenger.OsdSample");
        _failures = meter.CreateCounter<long>("ceph.osd.heartbeat.peer_failures", "{report}", "Peers reported failed after the heartbeat grace.");
        _recoveries = meter.CreateCounter<long>("ceph.osd.heartbeat.peer_recoveries", "{report}", "Failed peers that answered again.");
    }

    /// <summary>Raised when a peer is reported failed or up.</summary>
    public event Action<HeartbeatEvent>? PeerStateChanged;

    /// <summary>Peers currently reported failed.</summary>
    public IReadOnlyList<int> FailedPeers
    {
        get
        {
            lock (_lock)
            {
                return [.. _peers.Where(p => p.Value.Failed).Select(p => p.Key).Order()];
            }
        }
    }

    /// <summary>PING_REPLYs received, per network.</summary>
    public long RepliesBack => Interlocked.Read(ref _repliesBack);

    /// <summary>PING_REPLYs received on the front network.</summary>
    public long RepliesFront => Interlocked.Read(ref _repliesFront);

    private long _repliesBack;
    private long _repliesFront;

    /// <summary>Starts pinging through the two heartbeat client messengers until <paramref name="ct"/> fires.</summary>
    public async Task RunAsync(Messenger back, Messenger front, CancellationToken ct)
    {
        _back = back;
        _front = front;
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        do
        {
            Tick(DateTime.UtcNow);
        }
        while (await WaitAsync(timer, ct));
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

    /// <inheritdoc />
    public bool CanFastDispatch(Message message) => message is MOSDPing { Op: OsdPingOp.PingReply };

    /// <inheritdoc />
    public void FastDispatch(Message message)
    {
        int peer = (int)message.Source.Num;
        lock (_lock)
        {
            if (!_peers.TryGetValue(peer, out PeerState? state))
            {
                return;
            }

            DateTime now = DateTime.UtcNow;
            if (ReferenceEquals(message.Connection, state.BackConnection))
            {
                state.LastReplyBack = now;
                Interlocked.Increment(ref _repliesBack);
            }
            else if (ReferenceEquals(message.Connection, state.FrontConnection))
            {
                state.LastReplyFront = now;
                Interlocked.Increment(ref _repliesFront);
            }

            if (state.Failed && now - state.LastReplyBack < _options.HeartbeatGrace && now - state.LastReplyFront < _options.HeartbeatGrace)
            {
                state.Failed = false;
                _reports.Recovered(peer);
                _recoveries.Add(1);
                OsdLog.PeerRecovered(_logger, _options.Id, peer);
                PeerStateChanged?.Invoke(new HeartbeatEvent(_options.Id, peer, Failed: false, "back+front", TimeSpan.Zero));
            }
        }
    }

    /// <summary>The static map's peers, and the cluster's up OSDs chosen as Ceph chooses heartbeat peers (those win by id).</summary>
    private List<OsdInfo> CurrentPeers()
    {
        var peers = _map.PeersOf(_options.Id).ToDictionary(p => p.Id);
        foreach (OsdInfo peer in _cluster.HeartbeatPeersOf(_options.Id, _options.HeartbeatMinPeers))
        {
            peers[peer.Id] = peer;
        }

        return [.. peers.Values.OrderBy(p => p.Id)];
    }

    private void Tick(DateTime now)
    {
        List<OsdInfo> peers = CurrentPeers();
        lock (_lock)
        {
            // A peer the map no longer lists (the monitors marked it down) is dropped, as Ceph's
            // _remove_heartbeat_peer does; nothing is reported about it any more.
            foreach (int gone in _peers.Keys.Where(id => !peers.Any(p => p.Id == id)).ToList())
            {
                _peers.Remove(gone);
                _reports.Forget(gone);
            }
        }

        foreach (OsdInfo peer in peers)
        {
            PeerState state;
            lock (_lock)
            {
                // A new peer, or a known one at new addresses (restarted), is timed from now: the old
                // instance's silence must not count against the new one. A failed one stays failed
                // until the new instance answers, which reports it up.
                if (!_peers.TryGetValue(peer.Id, out state!) || !state.Addrs.Equals(peer.HeartbeatBack))
                {
                    bool failed = state?.Failed ?? false;
                    _peers[peer.Id] = state = new PeerState { Addrs = peer.HeartbeatBack, LastReplyBack = now, LastReplyFront = now, Failed = failed };
                }
            }

            // ConnectTo hands back the open connection, or a new one once the old one closed.
            state.BackConnection = _back!.ConnectTo(EntityType.Osd, peer.HeartbeatBack);
            state.FrontConnection = _front!.ConnectTo(EntityType.Osd, peer.HeartbeatFront);
            state.BackConnection.SendMessage(NewPing());
            state.FrontConnection.SendMessage(NewPing());
            Check(peer.Id, state, now);
        }
    }

    private void Check(int peer, PeerState state, DateTime now)
    {
        lock (_lock)
        {
            TimeSpan back = now - state.LastReplyBack;
            TimeSpan front = now - state.LastReplyFront;
            if (state.Failed || (back <= _options.HeartbeatGrace && front <= _options.HeartbeatGrace))
            {
                return;
            }

            state.Failed = true;
            _reports.Failed(peer, now - (back > front ? back : front));
            string networks = back > _options.HeartbeatGrace && front > _options.HeartbeatGrace ? "back+front" : back > front ? "back" : "front";
            TimeSpan silence = back > front ? back : front;
            _failures.Add(1);
            OsdLog.PeerFailed(_logger, _options.Id, peer, networks, silence.TotalSeconds, _options.HeartbeatGrace.TotalSeconds);
            PeerStateChanged?.Invoke(new HeartbeatEvent(_options.Id, peer, Failed: true, networks, silence));
        }
    }

    private MOSDPing NewPing() => new()
    {
        Fsid = _options.Fsid,
        Op = OsdPingOp.Ping,
        PingStamp = UTime.Now,
        MonoPingStamp = HeartbeatResponder.MonoNow,
        MinMessageSize = _options.HeartbeatMinSize,
    };

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed class PeerState
    {
        public required EntityAddrVec Addrs { get; init; }

        public DateTime LastReplyBack { get; set; }

        public DateTime LastReplyFront { get; set; }

        public bool Failed { get; set; }

        public IConnection? BackConnection { get; set; }

        public IConnection? FrontConnection { get; set; }
    }
}
