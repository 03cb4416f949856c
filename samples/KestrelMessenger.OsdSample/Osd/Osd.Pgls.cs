using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>PG ops (Ceph's <c>do_pg_op</c>): PGNLS object listing.</summary>
public sealed partial class Osd
{
    // librados::all_nspaces: list every namespace.
    private const string AllNamespaces = "\u0001";

    /// <summary>
    /// Runs a request of PG ops, as Ceph's <c>do_pg_op</c>: PGNLS lists; any other op in it is -EINVAL;
    /// the first failure ends the request. Returns the result (1 when a PGNLS reached the end of its PG,
    /// what Ceph's OSD returns).
    /// </summary>
    private int RunPgOps(MOSDOp request)
    {
        int result = 0;
        foreach (OsdOp op in request.Ops)
        {
            op.Rval = op.Code == OsdOpCode.PgNls ? ListPg(request, op) : Errno.EINVAL;
            if (op.Rval < 0)
            {
                return op.Rval;
            }

            result = Math.Max(result, op.Rval);
        }

        return result;
    }

    /// <summary>
    /// PGNLS: up to `count` objects (at most <c>osd_max_pgls</c>) of the request's PG from the cursor on, in
    /// Ceph's bitwise order, each with its namespace, name and locator key; and the next cursor (the start
    /// of the next PG, with result 1, once this PG is exhausted).
    /// </summary>
    private int ListPg(MOSDOp request, OsdOp op)
    {
        if (request.SnapId != MOSDOp.NoSnap)
        {
            return Errno.EINVAL; // Ceph lists heads only
        }

        long pool = request.Pgid.Pool;
        uint pgNum = monc.PgNums.TryGetValue(pool, out uint n) ? Math.Max(n, 1) : 1;
        uint pg = Placement.PgOf(request.Pgid.Seed, pgNum);
        HObject lowerBound = HObject.Min;
        if (!op.InData.IsEmpty)
        {
            try
            {
                var cursorReader = new DencReader(op.InData.Span);
                lowerBound = HObject.Decode(ref cursorReader);
            }
            catch (DecodeException)
            {
                return Errno.EINVAL; // Ceph: "unable to decode PGNLS handle"
            }
        }

        string ns = request.Namespace;
        int limit = (int)Math.Clamp(op.Length, 1, (ulong)Math.Max(1, _limits.MaxPgls));

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
            outdata.WriteString(o.Key); // the locator key: part of the object's identity
        }

        outdata.EndStruct(t);
        op.OutData = outdata.ToArray();
        return exhausted ? 1 : 0;
    }
}
