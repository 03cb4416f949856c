using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Client object I/O: MOSDOp in, MOSDOpReply out, mutations replicated before the reply.</summary>
public sealed partial class Osd
{
    private const int ENOENT = -2;
    private const int EINVAL = -22;
    private const int EOPNOTSUPP = -95;

    /// <summary>Client messages on the public messenger.</summary>
    private bool HandleClientMessage(Message message)
    {
        if (message is not MOSDOp request)
        {
            return false;
        }

        List<(RepOpKind Kind, ulong Offset, ReadOnlyMemory<byte> Data)> mutations = [];
        int result = Execute(request, mutations);
        MOSDOpReply reply = MOSDOpReply.For(request, result, request.MapEpoch);
        IConnection? client = request.Connection;
        if (result < 0 || mutations.Count == 0)
        {
            client?.SendMessage(reply);
            return true;
        }

        // The request's buffers go back to the pool when this returns, so ReplicateAsync copies the
        // data before its first await; the reply waits for the replica, as Ceph's primary does.
        List<Task<int>> replicas = [.. mutations.Select(m => ReplicateAsync(m.Kind, request.Pool, request.Namespace, request.ObjectName, m.Offset, m.Data))];
        _ = ReplyAfterReplicationAsync(client, reply, replicas);
        return true;
    }

    private static async Task ReplyAfterReplicationAsync(IConnection? client, MOSDOpReply reply, List<Task<int>> replicas)
    {
        int[] results = await Task.WhenAll(replicas);
        int failed = Array.Find(results, r => r < 0);
        if (failed < 0)
        {
            reply.Result = failed;
        }

        client?.SendMessage(reply);
    }

    /// <summary>Runs the ops in order; the first failure (without FAILOK) ends the request with its result.</summary>
    private int Execute(MOSDOp request, List<(RepOpKind, ulong, ReadOnlyMemory<byte>)> mutations)
    {
        long pool = request.Pool;
        string ns = request.Namespace;
        string name = request.ObjectName;
        foreach (OsdOp op in request.Ops)
        {
            op.Rval = op.Code switch
            {
                OsdOpCode.Write => Write(op, () => store.Write(pool, ns, name, (long)op.Offset, op.InData.Span), RepOpKind.Write, mutations),
                OsdOpCode.WriteFull => Write(op, () => store.WriteFull(pool, ns, name, op.InData.Span), RepOpKind.WriteFull, mutations),
                OsdOpCode.Read => Read(op, store.Read(pool, ns, name, (long)op.Offset, (long)op.Length)),
                OsdOpCode.Stat => Stat(op, store.Stat(pool, ns, name)),
                OsdOpCode.Delete => Delete(pool, ns, name, mutations),
                OsdOpCode.SetAllocHint => 0, // a hint for the object store; memory needs none
                OsdOpCode.PgNls => ListPg(request, op),
                _ => EOPNOTSUPP,
            };

            if (op.Rval < 0 && (op.Flags & OsdOpFlags.FailOk) == 0)
            {
                return op.Rval;
            }
        }

        // PGNLS answers 1 when it reached the end of its PG (what Ceph's OSD returns).
        return request.Ops.Any(o => o.Code == OsdOpCode.PgNls && o.Rval == 1) ? 1 : 0;
    }

    /// <summary>
    /// PGNLS: up to `count` objects of the request's PG from the cursor on, in Ceph's bitwise order,
    /// and the next cursor (the start of the next PG, with result 1, once this PG is exhausted).
    /// </summary>
    private int ListPg(MOSDOp request, OsdOp op)
    {
        long pool = request.Pgid.Pool;
        uint pgNum = monc.PgNums.TryGetValue(pool, out uint n) ? Math.Max(n, 1) : 1;
        uint pg = Placement.PgOf(request.Pgid.Seed, pgNum);
        var cursorReader = new DencReader(op.InData.Span);
        HObject lowerBound = op.InData.IsEmpty ? HObject.Min : HObject.Decode(ref cursorReader);
        string ns = request.Namespace;
        const string AllNamespaces = "\u0001";
        int limit = (int)Math.Clamp(op.Length, 1, 1_000_000);

        // Objects of this PG lie between its start (hash = seed) and its end in bitwise order.
        var pgStart = new HObject(pool, pg, "", "", "", 0, false);
        HObject from = HObject.Compare(lowerBound, pgStart) > 0 ? lowerBound : pgStart;
        HObject pgEnd = Placement.PgEnd(pool, pg, pgNum);
        (List<HObject> found, HObject? next) = store.List(pool, from, pgEnd, limit,
            o => (ns == AllNamespaces || o.Namespace == ns) && Placement.PgOf(o.Hash, pgNum) == pg);
        bool exhausted = next is null;
        HObject handle = next ?? pgEnd;
        using var outdata = new DencWriter(256);
        StructToken t = outdata.BeginStruct(1, 1);
        handle.Encode(outdata);
        outdata.WriteU32((uint)found.Count);
        foreach (HObject o in found)
        {
            outdata.WriteString(o.Namespace);
            outdata.WriteString(o.Oid);
            outdata.WriteString(o.Key); // locator key
        }

        outdata.EndStruct(t);
        op.OutData = outdata.ToArray();
        return exhausted ? 1 : 0;
    }

    private static int Write(OsdOp op, Action apply, RepOpKind kind, List<(RepOpKind, ulong, ReadOnlyMemory<byte>)> mutations)
    {
        if ((ulong)op.InData.Length < op.Length && kind == RepOpKind.Write)
        {
            return EINVAL; // the extent claims more data than the message carries
        }

        apply();
        mutations.Add((kind, op.Offset, op.InData));
        return 0;
    }

    private static int Read(OsdOp op, byte[]? data)
    {
        if (data is null)
        {
            return ENOENT;
        }

        op.OutData = data;
        return 0;
    }

    private static int Stat(OsdOp op, (long Size, UTime MTime)? stat)
    {
        if (stat is not (long size, UTime mtime))
        {
            return ENOENT;
        }

        using var outdata = new DencWriter(16);
        outdata.WriteU64((ulong)size); // what Ceph's OSD encodes for STAT: size, then mtime
        mtime.Encode(outdata);
        op.OutData = outdata.ToArray();
        return 0;
    }

    private int Delete(long pool, string ns, string name, List<(RepOpKind, ulong, ReadOnlyMemory<byte>)> mutations)
    {
        if (!store.Delete(pool, ns, name))
        {
            return ENOENT;
        }

        mutations.Add((RepOpKind.Delete, 0, ReadOnlyMemory<byte>.Empty));
        return 0;
    }
}
