using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// The OSD: the dispatcher at the head of the public and cluster messengers. Client ops arrive on
/// public (<see cref="MOSDOp"/>, handled in Osd.Ops.cs; <see cref="MCommand"/>, in Osd.Commands.cs);
/// replication runs over cluster with the sample's <see cref="MOsdRepOp"/> (Osd.Replication.cs).
/// </summary>
public sealed partial class Osd(
    IOptions<OsdOptions> options, IOptions<OsdOpLimits> limits, OsdMap map, ObjectStore store, HeartbeatMonitor heartbeats, OsdMonClient monc, IServiceProvider services, ILogger<Osd> logger) : IDispatcher
{
    private readonly OsdOptions _options = options.Value;
    private readonly OsdOpLimits _limits = limits.Value;
    private readonly ConcurrentDictionary<ulong, PendingRepOp> _pendingRepOps = new();
    private readonly ObjectGates _gates = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeat = Task.CompletedTask;
    private long _nextRepTid;

    /// <summary>osd.N.</summary>
    public int Id => _options.Id;

    /// <summary>This OSD's objects.</summary>
    public ObjectStore Store => store;

    /// <summary>Heartbeat state and events.</summary>
    public HeartbeatMonitor Heartbeats => heartbeats;

    /// <summary>This OSD's entry in the map, once <see cref="Init"/> ran.</summary>
    public OsdInfo? Info { get; private set; }

    private Messenger Messenger(string name) => services.GetMessenger(name);

    /// <summary><c>osd->init()</c>: publish our bound addresses in the map and start heartbeating.</summary>
    public void Init()
    {
        Info = new OsdInfo(Id, Messenger("public").MyAddrs, Messenger("cluster").MyAddrs, Messenger("hb_back_server").MyAddrs, Messenger("hb_front_server").MyAddrs);
        map.Set(Info);
        OsdLog.Init(logger, Id, Info.Public.ToString(), Info.Cluster.ToString(), Info.HeartbeatBack.ToString(), Info.HeartbeatFront.ToString());
        heartbeats.PeerStateChanged += OnPeerStateChanged;
        _heartbeat = heartbeats.RunAsync(Messenger("hb_back_client"), Messenger("hb_front_client"), _stopping.Token);
    }

    /// <summary>Stops heartbeating (the messengers shut down with the host).</summary>
    public async Task ShutdownAsync()
    {
        await _stopping.CancelAsync();
        await _heartbeat;
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message)
    {
        switch (message)
        {
            case MOsdRepOp repop:
                HandleRepOp(repop);
                return ValueTask.FromResult(true);
            case MOsdRepOpReply reply:
                if (_pendingRepOps.TryRemove(reply.Tid, out PendingRepOp? pending))
                {
                    pending.Done.TrySetResult(new ReplicaAck(reply.Result));
                }

                return ValueTask.FromResult(true);
            default:
                return ValueTask.FromResult(HandleClientMessage(message));
        }
    }
}
