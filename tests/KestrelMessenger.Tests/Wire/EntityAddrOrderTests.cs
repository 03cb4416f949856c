using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Wire;

/// <summary>Ceph's entity_addr_t order (memcmp of the in-memory struct on a little-endian host), which decides connection races.</summary>
public class EntityAddrOrderTests
{
    [Theory]
    [InlineData("v2:127.0.0.1:6800/1", "v2:127.0.0.1:6801/1")]      // same nonce: the port decides, numerically
    [InlineData("v2:127.0.0.2:6800/1", "v2:127.0.0.1:6900/1")]      // the port comes before the IP
    [InlineData("v2:10.0.0.9:6800/1", "v2:10.0.1.0:6800/1")]        // IPs compare numerically (network order)
    [InlineData("v2:127.0.0.1:6800/256", "v2:127.0.0.1:6800/1")]    // the nonce compares low byte first: 256 before 1
    [InlineData("v2:127.0.0.1:6800/7", "any:127.0.0.1:6800/7")]     // the type first: msgr2 (2) before any (3)
    public void Addresses_order_as_cephs_memcmp_orders_them(string lower, string higher)
    {
        EntityAddr a = EntityAddr.Parse(lower), b = EntityAddr.Parse(higher);
        Assert.True(EntityAddrOrder.Instance.Compare(a, b) < 0, $"{lower} orders before {higher}");
        Assert.True(EntityAddrOrder.Instance.Compare(b, a) > 0);
    }

    [Fact]
    public void The_image_is_the_struct_ceph_compares()
    {
        Span<byte> image = stackalloc byte[36];
        EntityAddrOrder.Image(EntityAddr.Parse("v2:192.168.1.2:3300/258"), image);

        // le32 type 2, le32 nonce 258, le16 AF_INET, be16 port 3300, 192.168.1.2, zeros.
        Assert.Equal(
            Convert.FromHexString("02000000" + "02010000" + "0200" + "0ce4" + "c0a80102" + new string('0', 40)),
            image.ToArray());
    }

    [Fact]
    public void A_nonce_orders_by_its_low_byte_first()
    {
        EntityAddr one = EntityAddr.Parse("v2:127.0.0.1:6800/1");
        EntityAddr big = EntityAddr.Parse("v2:127.0.0.1:6800/256");
        EntityAddr two = EntityAddr.Parse("v2:127.0.0.1:6800/2");

        Assert.True(EntityAddrOrder.Instance.Compare(big, one) < 0, "256 is 00 01 00 00: its first byte is below 1's");
        Assert.True(EntityAddrOrder.Instance.Compare(one, two) < 0);
        Assert.Equal(0, EntityAddrOrder.Instance.Compare(one, EntityAddr.Parse("v2:127.0.0.1:6800/1")));
    }
}
