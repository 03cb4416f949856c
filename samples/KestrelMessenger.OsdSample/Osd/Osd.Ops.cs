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
        MOSDOpReply reply;
        Task<int>? replicated = null;
        try
        {
            if (request.Ops.Any(o => OpAdmission.IsPgOp(o.Code)))
            {
                reply = MOSDOpReply.For(request, RunPgOps(request), request.MapEpoch);
            }
            else
            {
                ObjectId id = ObjectId.Of(request);
                lock (store.LockFor(id))
                {
                    OpOutcome outcome = OpExecutor.Run(request, store.Get(id), _limits);
                    if (outcome.Mutations.Count > 0)
                    {
                        UTime mtime = request.Mtime == default ? UTime.Now : request.Mtime; // Ceph stamps the client's mtime
                        store.Apply(id, outcome.Mutations, mtime, outcome.SnapSeq);
                        replicated = ReplicateAsync(id, outcome.Mutations, mtime, outcome.SnapSeq);
                    }

                    reply = MOSDOpReply.For(request, outcome.Result, request.MapEpoch);
                }
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong, the client gets an answer: -EIO, with no op's data.
            OpLog.OpFailed(logger, e, Id, request.ToString());
            foreach (OsdOp op in request.Ops)
            {
                op.OutData = default;
            }

            reply = MOSDOpReply.For(request, Errno.EIO, request.MapEpoch);
        }

        if (replicated is null)
        {
            client?.SendMessage(reply);
            return;
        }

        // The reply waits for the replica, as Ceph's primary does.
        _ = ReplyAfterReplicationAsync(client, reply, replicated);
    }

    private async Task ReplyAfterReplicationAsync(IConnection? client, MOSDOpReply reply, Task<int> replicated)
    {
        try
        {
            int result = await replicated;
            if (result < 0)
            {
                reply.Result = result;
            }
        }
        catch (Exception e)
        {
            OpLog.OpFailed(logger, e, Id, reply.ToString());
            reply.Result = Errno.EIO;
        }

        client?.SendMessage(reply);
    }
}
