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
                store.Apply(repop.Object, repop.Mutations, repop.MTime, repop.SnapSeq);
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
    /// Sends a transaction to the replica (the next OSD in the map) and waits for its acknowledgement.
    /// The message is queued before this returns its task (call it under the object's lock, so
    /// transactions on one object reach the replica in the order they were applied). A replica that
    /// heartbeats report failed is skipped: the write goes on degraded, as Ceph's does once the failed
    /// OSD is marked down.
    /// </summary>
    internal Task<int> ReplicateAsync(ObjectId id, IReadOnlyList<Mutation> mutations, UTime mtime, ulong snapSeq)
    {
        OsdInfo? replica = map.ReplicaOf(Id);
        if (replica is null || heartbeats.FailedPeers.Contains(replica.Id))
        {
            return Task.FromResult(0);
        }

        ulong tid = (ulong)Interlocked.Increment(ref _nextRepTid);
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingRepOps[tid] = done;
        MOsdRepOp repop = MOsdRepOp.For(id, mutations, mtime, snapSeq);
        repop.Tid = tid;
        IConnection connection = Messenger("cluster").ConnectTo(EntityType.Osd, replica.Cluster);
        if (!connection.SendMessage(repop))
        {
            _pendingRepOps.TryRemove(tid, out _);
            OsdLog.ReplicationFailed(logger, Id, id.Name, replica.Id, connection.CloseReason ?? "connection closed");
            return Task.FromResult(Errno.EIO);
        }

        return AwaitReplicaAsync(tid, done.Task, id, replica.Id);
    }

    private async Task<int> AwaitReplicaAsync(ulong tid, Task<int> acknowledged, ObjectId id, int replica)
    {
        try
        {
            return await acknowledged.WaitAsync(_options.ReplicationTimeout);
        }
        catch (TimeoutException)
        {
            _pendingRepOps.TryRemove(tid, out _);
            OsdLog.ReplicationFailed(logger, Id, id.Name, replica, $"no acknowledgement within {_options.ReplicationTimeout.TotalSeconds} s");
            return Errno.EIO;
        }
    }
}
