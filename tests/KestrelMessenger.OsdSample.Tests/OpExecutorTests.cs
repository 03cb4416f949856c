using System.Buffers;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// The op executor as a table: a stored object (or none), one request, and what Ceph 16.2 answers —
/// result, every op's rval and extent length — and whether the transaction is kept. Expected values
/// were taken from a real 16.2.15 ceph-osd given the same requests where it answers at all.
/// </summary>
public class OpExecutorTests
{
    private const int ENOENT = -2, E2BIG = -7, EEXIST = -17, EINVAL = -22, EFBIG = -27, ENAMETOOLONG = -36, EOVERFLOW = -75, EMSGSIZE = -90, EOPNOTSUPP = -95;
    private const ulong MiB = 1 << 20;
    private static readonly byte[] Hello = "hello"u8.ToArray();
    private static readonly ObjectView Stored = new(new ReadOnlySequence<byte>(Hello), new UTime(1_700_000_000, 0));

    private static OsdOp R(ulong offset, ulong length) => OsdOp.Extent(OsdOpCode.Read, offset, length);

    private static OsdOp W(ulong offset, byte[] data, ushort code = OsdOpCode.Write) => new(code) { Offset = offset, Length = (ulong)data.Length, InData = data };

    private static OsdOp Op(ushort code, uint flags = 0) => new(code, flags);

    private static (OpOutcome Outcome, MOSDOp Request) Run(ObjectView? stored, params OsdOp[] ops) => Run(stored, new OsdOpLimits(), r => { }, ops);

    private static (OpOutcome Outcome, MOSDOp Request) Run(ObjectView? stored, OsdOpLimits limits, Action<MOSDOp> shape, params OsdOp[] ops)
    {
        var request = new MOSDOp { ObjectName = "obj", Locator = new ObjectLocator(1) };
        request.Ops.AddRange(ops);
        shape(request);
        return (OpExecutor.Run(request, stored, limits), request);
    }

    private static string Rvals(MOSDOp r) => Csv([.. r.Ops.Select(o => o.Rval)]);

    private static string Csv(params int[] rvals) => string.Join(",", rvals);

    public static TheoryData<string, OsdOp, int, ulong, string> Reads => new()
    {
        { "inside", R(1, 3), 0, 3, "ell" },
        { "straddling the end is trimmed", R(3, 100), 0, 2, "lo" },
        { "length 0 reads to the end", R(0, 0), 0, 5, "hello" },
        { "a huge length is trimmed", R(0, ulong.MaxValue), 0, 5, "hello" },
        { "past the end reads nothing", R(10, 5), 0, 0, "" },
        { "at 2^63 reads nothing", R(1UL << 63, 10), 0, 0, "" },
        { "an extent overflowing 64 bits is refused", R(2, ulong.MaxValue - 1), EINVAL, ulong.MaxValue - 1, "" },
        { "an offset overflowing with its length is refused", R(ulong.MaxValue - 1, 10), EINVAL, 10, "" },
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public void Reads_return_what_ceph_returns(string what, OsdOp read, int rval, ulong length, string data)
    {
        (OpOutcome outcome, MOSDOp request) = Run(Stored, read);
        Assert.True((rval, rval, length, data) == (outcome.Result, read.Rval, read.Length, System.Text.Encoding.ASCII.GetString(read.OutData.Span)), what);
        Assert.Empty(outcome.Mutations);
        Assert.Same(read, request.Ops[0]);
    }

    public static TheoryData<string, OsdOp, int> Writes => new()
    {
        { "ending exactly at osd_max_object_size", W((128 * MiB) - 5, Hello), 0 },
        { "starting at osd_max_object_size", W(128 * MiB, Hello), EFBIG },
        { "far past it", W(200 * MiB, Hello), EFBIG },
        { "overflowing 64 bits", W(ulong.MaxValue - 1, Hello), EINVAL },
        { "a length that is not the data's", new OsdOp(OsdOpCode.Write) { Length = 6, InData = Hello }, EINVAL },
        { "a writefull whose length is not its data's", new OsdOp(OsdOpCode.WriteFull) { Length = (128 * MiB) + 1 }, EINVAL },
        { "a zero-length zero", OsdOp.Extent(OsdOpCode.Zero, 0, 0), EINVAL },
        { "a zero past the limit", OsdOp.Extent(OsdOpCode.Zero, 200 * MiB, 1), EFBIG },
        { "a CephFS truncate_seq", new OsdOp(OsdOpCode.Write) { Length = 5, InData = Hello, TruncateSeq = 2, TruncateSize = 1 }, EOPNOTSUPP },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public void Write_extents_are_checked_against_osd_max_object_size(string what, OsdOp write, int rval)
    {
        (OpOutcome outcome, _) = Run(Stored, write);
        Assert.True((rval, rval) == (outcome.Result, write.Rval), what);
        Assert.Equal(rval == 0, outcome.Mutations.Count > 0);
    }

    [Fact]
    public void A_failing_op_ends_the_request_its_rval_says_which_and_nothing_is_kept()
    {
        // Real 16.2.15: [write 0~5, write 209715200~5, write 10~5] -> -27, rvals [0, -27, 0].
        (OpOutcome outcome, MOSDOp request) = Run(null, W(0, Hello), W(200 * MiB, Hello), W(10, Hello));
        Assert.Equal((EFBIG, Csv(0, EFBIG, 0)), (outcome.Result, Rvals(request)));
        Assert.Empty(outcome.Mutations);

        // Real 16.2.15: [write 0~5, op 0x2299] -> -95, rvals [0, -95]; the object was not created.
        (outcome, request) = Run(null, W(0, Hello), Op(0x2299));
        Assert.Equal((EOPNOTSUPP, Csv(0, EOPNOTSUPP)), (outcome.Result, Rvals(request)));
        Assert.Empty(outcome.Mutations);
    }

    [Fact]
    public void Failok_lets_the_request_go_on_past_a_failing_op()
    {
        // Real 16.2.15: [op 0x1299 FAILOK, read 1~2] -> 0, rvals [-95, 0], the read's 2 bytes.
        OsdOp read = R(1, 2);
        (OpOutcome outcome, MOSDOp request) = Run(Stored, Op(0x1299, OsdOpFlags.FailOk), read);
        Assert.Equal((0, Csv(EOPNOTSUPP, 0), "el"), (outcome.Result, Rvals(request), System.Text.Encoding.ASCII.GetString(read.OutData.Span)));
    }

    [Fact]
    public void A_failed_read_request_keeps_the_data_of_the_ops_before_the_failure()
    {
        // Real 16.2.15: [read 0~2, op 0x1299, read 1~2] -> -95, rvals [0, -95, 0], out-data [2, 0, 0].
        (OpOutcome outcome, MOSDOp request) = Run(Stored, R(0, 2), Op(0x1299), R(1, 2));
        Assert.Equal((EOPNOTSUPP, Csv(0, EOPNOTSUPP, 0)), (outcome.Result, Rvals(request)));
        Assert.Equal([2, 0, 0], request.Ops.Select(o => o.OutData.Length));
    }

    [Fact]
    public void Ops_in_one_request_see_the_ones_before_them_and_a_successful_write_returns_no_data()
    {
        OsdOp stat = Op(OsdOpCode.Stat), read = R(0, 0);
        (OpOutcome outcome, MOSDOp request) = Run(Stored, W(0, [1, 2], OsdOpCode.WriteFull), stat, read);
        Assert.Equal((0, Csv(0, 0, 0)), (outcome.Result, Rvals(request)));
        Assert.Equal(2ul, read.Length);
        Assert.True(stat.OutData.IsEmpty && read.OutData.IsEmpty); // as Ceph without CEPH_OSD_FLAG_RETURNVEC

        (outcome, request) = Run(Stored, Op(OsdOpCode.Delete), Op(OsdOpCode.Stat));
        Assert.Equal((ENOENT, Csv(0, ENOENT)), (outcome.Result, Rvals(request)));
        Assert.Empty(outcome.Mutations);

        (outcome, request) = Run(null, Op(OsdOpCode.Create, OsdOpFlags.Excl), Op(OsdOpCode.Create, OsdOpFlags.Excl));
        Assert.Equal((EEXIST, Csv(0, EEXIST)), (outcome.Result, Rvals(request)));
    }

    [Fact]
    public void Returnvec_returns_small_out_data_of_a_write_and_refuses_large_out_data_whole()
    {
        OsdOp stat = Op(OsdOpCode.Stat);
        (OpOutcome outcome, _) = Run(Stored, new OsdOpLimits(), r => r.Flags = OpAdmission.ReturnVecFlag, W(0, Hello), stat);
        Assert.Equal((0, 16), (outcome.Result, stat.OutData.Length));

        OsdOp read = R(0, 0);
        (outcome, MOSDOp request) = Run(Stored, new OsdOpLimits { MaxWriteOpReplyLength = 4 }, r => r.Flags = OpAdmission.ReturnVecFlag, W(0, Hello), read);
        Assert.Equal((EOVERFLOW, Csv(0, EOVERFLOW), 0), (outcome.Result, Rvals(request), read.OutData.Length));
        Assert.Empty(outcome.Mutations);
    }

    [Fact]
    public void Reads_that_would_take_the_reply_past_its_bound_get_e2big()
    {
        var limits = new OsdOpLimits { MaxReplyDataLength = 12 };
        (OpOutcome outcome, MOSDOp request) = Run(Stored, limits, r => { }, R(0, 0), R(0, 0), R(0, 0), R(0, 0));
        Assert.Equal((E2BIG, Csv(0, 0, E2BIG, 0)), (outcome.Result, Rvals(request)));
        Assert.Equal([5, 5, 0, 0], request.Ops.Select(o => o.OutData.Length));
    }

    public static TheoryData<string, Action<MOSDOp>, OsdOp[], int> Refusals => new()
    {
        { "no ops", r => { }, [], EINVAL },
        { "only an op with no mode bits", r => { }, [Op(0)], EINVAL },
        { "a class call", r => { }, [Op(OsdOpCode.Call)], EOPNOTSUPP },
        { "an empty name", r => r.ObjectName = "", [Op(OsdOpCode.Stat)], EINVAL },
        { "a name past osd_max_object_name_len", r => r.ObjectName = new string('n', 2049), [Op(OsdOpCode.Stat)], ENAMETOOLONG },
        { "a key past osd_max_object_name_len", r => r.Key = new string('k', 2049), [Op(OsdOpCode.Stat)], ENAMETOOLONG },
        { "a namespace past osd_max_object_namespace_len", r => r.Namespace = new string('s', 257), [Op(OsdOpCode.Stat)], ENAMETOOLONG },
        { "a write at a snapshot", r => r.SnapId = 5, [W(0, Hello)], EINVAL },
        { "a read at a snapshot", r => r.SnapId = 5, [R(0, 0)], EOPNOTSUPP },
        { "a stat at the snapdir", r => r.SnapId = ulong.MaxValue, [Op(OsdOpCode.Stat)], EOPNOTSUPP },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Requests_ceph_refuses_before_running_any_op_are_refused_whole(string what, Action<MOSDOp> shape, OsdOp[] ops, int result)
    {
        (OpOutcome outcome, MOSDOp request) = Run(Stored, new OsdOpLimits(), shape, ops);
        Assert.True(result == outcome.Result, what);
        Assert.All(request.Ops, o => Assert.Equal((0, 0), (o.Rval, o.OutData.Length)));
        Assert.Empty(outcome.Mutations);
    }

    [Fact]
    public void A_write_larger_than_osd_max_write_size_is_emsgsize_and_a_read_only_request_on_nothing_is_enoent()
    {
        (OpOutcome outcome, _) = Run(null, new OsdOpLimits { MaxWriteSize = 4 }, r => { }, W(0, Hello));
        Assert.Equal(EMSGSIZE, outcome.Result);

        // Real 16.2.15: [stat, read 0~0] on a missing object -> -2, rvals [0, 0]; [delete] -> -2, rvals [-2].
        (outcome, MOSDOp request) = Run(null, Op(OsdOpCode.Stat), R(0, 0));
        Assert.Equal((ENOENT, Csv(0, 0)), (outcome.Result, Rvals(request)));
        (outcome, request) = Run(null, Op(OsdOpCode.Delete));
        Assert.Equal((ENOENT, Csv(ENOENT)), (outcome.Result, Rvals(request)));
    }

    [Fact]
    public void A_write_that_ceph_would_clone_for_a_snapshot_is_refused_and_one_it_would_not_is_kept()
    {
        var snapped = Stored with { SnapSeq = 3 };
        (OpOutcome outcome, _) = Run(snapped, new OsdOpLimits(), r => (r.SnapSeq, r.Snaps) = (4, [4, 2]), W(0, Hello));
        Assert.Equal(EOPNOTSUPP, outcome.Result);
        Assert.Empty(outcome.Mutations);

        (outcome, _) = Run(snapped, new OsdOpLimits(), r => (r.SnapSeq, r.Snaps) = (3, [3, 2]), W(0, Hello));
        Assert.Equal((0, 3ul), (outcome.Result, outcome.SnapSeq));

        (outcome, _) = Run(null, new OsdOpLimits(), r => (r.SnapSeq, r.Snaps) = (9, [9]), W(0, Hello));
        Assert.Equal((0, 9ul), (outcome.Result, outcome.SnapSeq)); // nothing to clone yet: the new object records seq 9
    }

    [Fact]
    public void Alloc_hint_creates_the_object_and_zero_or_truncate_never_create_one()
    {
        Assert.Equal([MutationKind.Create], Run(null, OsdOp.AllocHint(4096, 4096, 0)).Outcome.Mutations.Select(m => m.Kind));
        Assert.DoesNotContain(Run(null, W(0, Hello), Op(OsdOpCode.Delete), OsdOp.Extent(OsdOpCode.Zero, 0, 5)).Outcome.Mutations, m => m.Kind == MutationKind.Zero);
        Assert.Equal(
            [MutationKind.Truncate],
            Run(Stored, OsdOp.Extent(OsdOpCode.Zero, 2, 100)).Outcome.Mutations.Select(m => m.Kind)); // a zero reaching the end is a truncate, as in Ceph
    }
}
