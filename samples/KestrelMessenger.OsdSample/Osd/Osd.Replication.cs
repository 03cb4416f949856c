using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Replication: the primary sends each applied transaction to the replica, which applies it whole.</summary>
public sealed partial class Osd
{
    /// <summary>
    /// Applies a replicated transaction from the primary and acknowledges it: 0 once applied, -EINVAL
    /// (nothing applied) when a step is malformed or out of bounds, -EIO on an unexpected failure.
    /// </summary>
    private void HandleRepOp(MOsdRepOp repop)
    {
        int result;
        try
        {
            if (repop.Mutations.Any(m => !m.IsValid(_limits.MaxObjectSize)))
            {
                result = Errno.EINVAL;
                OpLog.RepOpRejected(logger, Id, repop.Object.ToString(), "a step is malformed or beyond osd_max_object_size");
            }
            else
            {
                store.Apply(repop.Object, repop.Mutations, repop.MTime, repop.SnapSeq, repop.Data);
                result = 0;
            }
        }
        catch (Exception e)
        {
            result = Errno.EIO;
            OpLog.RepOpFailed(logger, e, Id, repop.Object.ToString());
        }

        repop.Connection?.SendMessage(new MOsdRepOpReply { Tid = repop.Tid, Result = result });
    }

    /// <summary>
    /// Sends a transaction to the replica (the next OSD in the map) over the cluster messenger's lossless
    /// session and completes with its answer. Socket faults on the way are the session's to survive (it
    /// replays); the write fails only when the replica refuses it, or cannot answer: it is reported failed
    /// by heartbeats, it restarted (a remote reset dropped the session), or it stays silent for
    /// <see cref="OsdOptions.ReplicationTimeout"/>. Those fail with -EAGAIN, which makes a client resend
    /// (and the resend goes on degraded, once the replica is known to be failed). A replica already known
    /// failed is skipped: the write goes on degraded, as Ceph's does once the failed OSD is marked down.
    /// Called holding the object's gate, so transactions on one object reach the replica in order.
    /// </summary>
    internal Task<ReplicaAck> ReplicateAsync(ObjectId id, IReadOnlyList<Mutation> mutations, UTime mtime, ulong snapSeq, MessageBuffer? source = null)
    {
        OsdInfo? replica = map.ReplicaOf(Id);
        if (replica is null || heartbeats.FailedPeers.Contains(replica.Id))
        {
            return NoReplica;
        }

        ulong tid = (ulong)Interlocked.Increment(ref _nextRepTid);
        IConnection connection = Messenger("cluster").ConnectTo(EntityType.Osd, replica.Cluster);
        var pending = new PendingRepOp(replica.Id, connection);
        _pendingRepOps[tid] = pending;
        MOsdRepOp repop = MOsdRepOp.For(id, mutations, mtime, snapSeq, source);
        repop.Tid = tid;
        if (!connection.SendMessage(repop))
        {
            _pendingRepOps.TryRemove(tid, out _);
            OsdLog.ReplicationFailed(logger, Id, id.Name, replica.Id, connection.CloseReason ?? "connection closed");
            return Task.FromResult(new ReplicaAck(Errno.EAGAIN));
        }

        return AwaitReplicaAsync(tid, pending, id);
    }

    private async Task<ReplicaAck> AwaitReplicaAsync(ulong tid, PendingRepOp pending, ObjectId id)
    {
        try
        {
            return await pending.Done.Task.WaitAsync(_options.ReplicationTimeout);
        }
        catch (TimeoutException)
        {
            _pendingRepOps.TryRemove(tid, out _);
            OsdLog.ReplicationFailed(logger, Id, id.Name, pending.Replica, $"no acknowledgement within {_options.ReplicationTimeout.TotalSeconds} s");
            return new ReplicaAck(Errno.EAGAIN);
        }
    }

    private static readonly Task<ReplicaAck> NoReplica = Task.FromResult(ReplicaAck.Applied);

    /// <summary>The replica can no longer answer what was sent to it: those writes fail (applied nowhere on our side) with -EAGAIN.</summary>
    private void FailRepOps(Func<PendingRepOp, bool> lost, string why)
    {
        foreach (KeyValuePair<ulong, PendingRepOp> entry in _pendingRepOps)
        {
            if (lost(entry.Value) && _pendingRepOps.TryRemove(entry.Key, out PendingRepOp? pending))
            {
                OsdLog.ReplicationFailed(logger, Id, $"tid {entry.Key}", pending.Replica, why);
                pending.Done.TrySetResult(new ReplicaAck(Errno.EAGAIN));
            }
        }
    }

    /// <summary>Heartbeats report a peer failed: its session is marked down (what was queued for it goes) and writes waiting on it fail.</summary>
    private void OnPeerStateChanged(HeartbeatEvent e)
    {
        if (!e.Failed || map.Get(e.Peer) is not OsdInfo peer)
        {
            return;
        }

        FailRepOps(p => p.Replica == e.Peer, "reported failed by heartbeats");
        if (peer.Cluster.Count > 0)
        {
            Messenger("cluster").ConnectTo(EntityType.Osd, peer.Cluster).MarkDown();
        }
    }

    /// <inheritdoc />
    public void HandleRemoteReset(IConnection connection) =>
        FailRepOps(p => ReferenceEquals(p.Connection, connection), "the replica restarted (session reset)");

    /// <summary>A replication in flight: to which OSD, on which session, and its answer.</summary>
    private sealed record PendingRepOp(int Replica, IConnection Connection)
    {
        public TaskCompletionSource<ReplicaAck> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The replica's answer to a transaction: 0 once applied, or a negative errno (applied nowhere).</summary>
public readonly record struct ReplicaAck(int Result)
{
    /// <summary>Applied (or no replica to apply it: degraded).</summary>
    public static ReplicaAck Applied => new(0);
}
