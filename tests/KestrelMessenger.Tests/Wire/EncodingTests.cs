using System.Net;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Wire;

public class EncodingTests
{
    [Fact]
    public void A_versioned_struct_skips_fields_a_newer_sender_appended()
    {
        using var w = new DencWriter();
        StructToken t = w.BeginStruct(version: 3, compat: 1);
        w.WriteU32(42);
        w.WriteString("field from the future");
        w.EndStruct(t);
        w.WriteU8(0xAB);

        var r = new DencReader(w.WrittenSpan);
        StructHeader h = r.BeginStruct(maxCompat: 1, "test");
        Assert.Equal(3, h.Version);
        Assert.Equal(42u, r.ReadU32());
        r.EndStruct(h);
        Assert.Equal(0xAB, r.ReadU8());
        Assert.True(r.End);
    }

    [Fact]
    public void A_struct_whose_compat_is_newer_than_the_decoder_is_refused()
    {
        byte[] bytes = [5, 4, 0, 0, 0, 0];
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader(bytes);
            r.BeginStruct(maxCompat: 3, "test");
        });
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 1, 2 })]
    [InlineData(new byte[] { 0x10, 0, 0, 0, 1, 2, 3 })]
    public void A_length_longer_than_the_input_is_refused_before_allocating(byte[] bytes)
    {
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader(bytes);
            r.ReadBlob();
        });
    }

    [Fact]
    public void A_vector_count_that_cannot_fit_in_the_input_is_refused() =>
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
            r.ReadCount(minElementSize: 4);
        });

    [Fact]
    public void Msg_layer_entity_name_is_nine_bytes()
    {
        using var w = new DencWriter();
        EntityName.Osd(3).Encode(w);
        Assert.Equal("040300000000000000", Convert.ToHexString(w.WrittenSpan));
        Assert.Equal("osd.3", EntityName.Parse("osd.3").ToString());
        Assert.Equal(EntityName.Client(), EntityName.Parse("client.-1"));
    }

    [Fact]
    public void Auth_layer_entity_name_is_a_u32_type_and_a_string()
    {
        using var w = new DencWriter();
        AuthEntityName.Parse("client.admin").Encode(w);
        Assert.Equal("0800000005000000" + "61646D696E", Convert.ToHexString(w.WrittenSpan));
    }

    [Fact]
    public void Monitor_addrvec_matches_the_bytes_a_real_mon_sent()
    {
        const string wire =
            "0202000000" +
            "0101011c00000002000000000000001000000002000ce47f0000010000000000000000" +
            "0101011c00000001000000000000001000000002001a857f0000010000000000000000";
        var vec = EntityAddrVec.Parse("[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]");
        using var w = new DencWriter();
        vec.Encode(w);
        Assert.Equal(wire, Convert.ToHexString(w.WrittenSpan), ignoreCase: true);

        var r = new DencReader(Convert.FromHexString(wire));
        Assert.Equal(vec, EntityAddrVec.Decode(ref r));
        Assert.Equal("[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]", vec.ToString());
    }

    [Fact]
    public void Ipv6_addresses_use_the_linux_family_and_round_trip()
    {
        var addr = EntityAddr.Parse("v2:[::1]:6800/77");
        using var w = new DencWriter();
        addr.Encode(w);
        byte[] bytes = w.ToArray();
        Assert.Equal(1 + 6 + 12 + 28, bytes.Length);
        Assert.Equal(10, bytes[19]); // AF_INET6 = 10, little-endian, whatever the host OS
        Assert.Equal(0x1A, bytes[21]); // port 6800 big-endian: 1a 90
        var r = new DencReader(bytes);
        Assert.Equal(addr, EntityAddr.Decode(ref r));
        Assert.Equal("v2:[::1]:6800/77", addr.ToString());
    }

    [Fact]
    public void A_legacy_address_with_a_big_endian_family_decodes()
    {
        byte[] legacy = new byte[4 + 4 + 128];
        legacy[4] = 9; // nonce
        legacy[8] = 0; legacy[9] = 2; // ss_family AF_INET, big-endian
        legacy[10] = 0x1A; legacy[11] = 0x85; // port 6789
        legacy[12] = 10; legacy[15] = 1; // 10.0.0.1
        var r = new DencReader(legacy);
        EntityAddr addr = EntityAddr.Decode(ref r);
        Assert.Equal(new EntityAddr(EntityAddrType.Legacy, 9, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6789)), addr);
    }

    [Fact]
    public void An_address_with_an_unknown_marker_is_refused() =>
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader([7, 1, 1, 0, 0, 0, 0]);
            EntityAddr.Decode(ref r);
        });

    [Fact]
    public void Signed_spans_and_uuids_round_trip()
    {
        var fsid = Guid.Parse("0ab4f7c8-9b8a-4e0b-9bc7-e846d4c5c34e");
        using var w = new DencWriter();
        w.WriteUuid(fsid);
        w.WriteSignedSpan(TimeSpan.FromMilliseconds(-1500));
        Assert.Equal("0AB4F7C89B8A4E0B9BC7E846D4C5C34E", Convert.ToHexString(w.WrittenSpan[..16]));
        var r = new DencReader(w.WrittenSpan);
        Assert.Equal(fsid, r.ReadUuid());
        Assert.Equal(TimeSpan.FromMilliseconds(-1500), r.ReadSignedSpan());
    }
}
