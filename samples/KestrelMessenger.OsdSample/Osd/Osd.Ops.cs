using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// Client object I/O: MOSDOp in, MOSDOpReply out. Every MOSDOp gets exactly one reply: the ops run
/// against a staged view of the object (<see cref="OpExecutor"/>), the resulting transaction is applied
/// whole and replicated before the reply, and anything unexpected becomes -EIO and a log line.
/// </summary>
public sealed partial class Osd
{
    /// <summary>Client messages on the public messenger.</summary>
    private bool HandleClientMessage(Message message)
    {
        switch (message)
        {
            case MOSDOp request:
                HandleOp(request);
                return true;
            case MCommand command:
                HandleCommand(command);
                return true;
            default:
                return false;
        }
    }

    private void HandleOp(MOSDOp request)
    {
        IConnection? client = request.Connection;
        if (request.Ops.Any(o => OpAdmission.IsPgOp(o.Code)))
        {
            client?.SendMessage(Answer(request, () => MOSDOpReply.For(request, RunPgOps(request), request.MapEpoch)));
            return;
        }

        // Asked for while dispatched, so ops on one object run in arrival order; usually free at once.
        ObjectId id = ObjectId.Of(request);
        if (_gates.TryEnter(id, out ObjectGates.Lease gate, out Task<ObjectGates.Lease>? wait))
        {
            RunOp(request, id, gate);
            return;
        }

        // Another op on this object is in flight: keep the request (its buffers) until our turn.
        IDisposable kept = request.Retain();
        _ = RunWhenEnteredAsync(request, id, wait!, kept);
    }

    private async Task RunWhenEnteredAsync(MOSDOp request, ObjectId id, Task<ObjectGates.Lease> entered, IDisposable kept)
    {
        using (kept)
        {
            RunOp(request, id, await entered);
        }
    }

    /// <summary>
    /// Runs the ops against the object as it is; a read answers at once. A write is applied on the primary
    /// only once its replica has applied it (<see cref="ReplicateAsync"/>), holding the object's gate
    /// meanwhile: so what a client was told succeeded is on both, and a write that fails is on neither.
    /// </summary>
    private void RunOp(MOSDOp request, ObjectId id, ObjectGates.Lease gate)
    {
        IConnection? client = request.Connection;
        OpOutcome? outcome = null;
        MOSDOpReply reply = Answer(request, () =>
        {
            lock (store.LockFor(id))
            {
                outcome = OpExecutor.Run(request, store.Get(id), _limits);
                return MOSDOpReply.For(request, outcome.Result, request.MapEpoch);
            }
        });

        if (outcome is not { Mutations.Count: > 0 } write)
        {
            gate.Dispose();
            client?.SendMessage(reply);
            return;
        }

        UTime mtime = request.Mtime == default ? UTime.Now : request.Mtime; // Ceph stamps the client's mtime
        Task<ReplicaAck> replicated = ReplicateAsync(id, write.Mutations, mtime, write.SnapSeq, request.Data);
        if (replicated.IsCompletedSuccessfully)
        {
            // No replica to wait for (alone, or degraded): commit now, on the dispatch thread.
            Commit(reply, replicated.Result, id, write, mtime, request.Data);
            gate.Dispose();
            client?.SendMessage(reply);
            return;
        }

        IDisposable kept = request.Retain(); // the mutations' bytes are the request's data segment
        _ = CommitAfterReplicationAsync(client, reply, replicated, id, write, mtime, gate, kept, request.Data);
    }

    /// <summary>Applies the write on the primary once the replica has (or says why not, in the reply).</summary>
    /// <remarks>The mutations' bytes lie in <paramref name="source"/>, the request's data segment, which the store may share.</remarks>
    private void Commit(MOSDOpReply reply, ReplicaAck ack, ObjectId id, OpOutcome write, UTime mtime, MessageBuffer source)
    {
        try
        {
            if (ack.Result == 0)
            {
                store.Apply(id, write.Mutations, mtime, write.SnapSeq, source);
            }
            else
            {
                reply.Result = ack.Result; // applied nowhere: the client hears why, and -EAGAIN makes it resend
            }
        }
        catch (Exception e)
        {
            OpLog.OpFailed(logger, e, Id, reply.ToString());
            reply.Result = Errno.EIO;
        }
    }

    /// <summary>Whatever goes wrong while running the ops, the client gets an answer: -EIO, with no op's data.</summary>
    private MOSDOpReply Answer(MOSDOp request, Func<MOSDOpReply> run)
    {
        try
        {
            return run();
        }
        catch (Exception e)
        {
            OpLog.OpFailed(logger, e, Id, request.ToString());
            foreach (OsdOp op in request.Ops)
            {
                op.OutData = default;
            }

            return MOSDOpReply.For(request, Errno.EIO, request.MapEpoch);
        }
    }

    private async Task CommitAfterReplicationAsync(IConnection? client, MOSDOpReply reply, Task<ReplicaAck> replicated, ObjectId id, OpOutcome write,
        UTime mtime, ObjectGates.Lease gate, IDisposable kept, MessageBuffer source)
    {
        using (gate)
        using (kept)
        {
            ReplicaAck ack;
            try
            {
                ack = await replicated;
            }
            catch (Exception e)
            {
                OpLog.OpFailed(logger, e, Id, reply.ToString());
                ack = new ReplicaAck(Errno.EIO);
            }

            Commit(reply, ack, id, write, mtime, source);
        }

        client?.SendMessage(reply);
    }
}
