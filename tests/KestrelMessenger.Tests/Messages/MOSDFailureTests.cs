using System.Net;
using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Messages;

/// <summary>
/// MOSDFailure v4 / compat 4 as Pacific's messages/MOSDFailure.h lays it out: the paxos header, fsid,
/// target_osd, target_addrs, epoch, flags, failed_for. (The live proof is the real monitor marking an
/// OSD down from our report, in the sample's FailureReportTests.)
/// </summary>
public class MOSDFailureTests
{
    private static readonly Guid Fsid = new("0b5b9e4c-9a1e-4c55-8d4a-3e8f6f0f5a21");
    private static readonly EntityAddrVec Target = new(EntityAddr.V2(new IPEndPoint(IPAddress.Loopback, 6804), nonce: 1234));

    private static MOSDFailure Report() => new()
    {
        Paxos = new PaxosServiceHeader(17),
        Fsid = Fsid,
        TargetOsd = 3,
        TargetAddrs = Target,
        Epoch = 17,
        Flags = OsdFailureFlags.Failed,
        FailedFor = 21,
    };

    [Fact]
    public void The_front_is_pacifics_field_order()
    {
        using var scratch = new DencWriter();
        byte[] front = Report().EncodeFront(scratch, CephFeatures.All).ToArray();

        using var expected = new DencWriter();
        new PaxosServiceHeader(17).Encode(expected);    // le64 version, le16 session_mon -1, le64 session_mon_tid 0
        expected.WriteUuid(Fsid);                         // 16 bytes
        expected.WriteI32(3);                             // target_osd
        Target.Encode(expected);                          // entity_addrvec_t
        expected.WriteU32(17);                            // epoch
        expected.WriteU8(1);                              // flags: FLAG_FAILED
        expected.WriteI32(21);                            // failed_for, seconds
        Assert.Equal(Convert.ToHexString(expected.WrittenSpan), Convert.ToHexString(front));
        Assert.Equal(18 + 16 + 4 + (1 + 4 + 35) + 4 + 1 + 4, front.Length);
    }

    [Fact]
    public void It_is_type_72_version_4_compat_4_and_decodes_from_the_registry()
    {
        MOSDFailure report = Report();
        using var scratch = new DencWriter();
        byte[] front = report.EncodeFront(scratch, CephFeatures.All).ToArray();
        Assert.Equal((72, 4, 4), (report.Type, report.Version, report.CompatVersion));

        var decoded = Assert.IsType<MOSDFailure>(MessageRegistry.CreateDefault().Create(MessageTypes.OsdFailure));
        decoded.Version = 4;
        decoded.Front = MessageBuffer.CopyOf(front);
        decoded.DecodeFront();
        Assert.Equal((17ul, Fsid, 3, 17u, OsdFailureFlags.Failed, 21, true), (decoded.Paxos.Version, decoded.Fsid, decoded.TargetOsd, decoded.Epoch, decoded.Flags, decoded.FailedFor, decoded.IsFailed));
        Assert.Equal(Target, decoded.TargetAddrs);
        Assert.Equal("osd_failure", MessageTypes.Name(MessageTypes.OsdFailure));
    }

    [Fact]
    public void A_still_alive_report_carries_flag_alive_and_no_duration()
    {
        MOSDFailure alive = Report();
        alive.Flags = OsdFailureFlags.Alive;
        alive.FailedFor = 0;
        using var scratch = new DencWriter();
        byte[] front = alive.EncodeFront(scratch, CephFeatures.All).ToArray();
        Assert.Equal([0, 0, 0, 0, 0], front[^5..]);
        Assert.False(alive.IsFailed);
    }

    [Fact]
    public void The_pre_nautilus_form_is_refused_not_misread()
    {
        var old = new MOSDFailure { Version = 3, Front = MessageBuffer.CopyOf(new byte[80]) };
        Assert.Throws<DecodeException>(old.DecodeFront);
    }
}
