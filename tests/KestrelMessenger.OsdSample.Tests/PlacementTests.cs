using KestrelMessenger.OsdSample.Osd;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>Object placement as Ceph computes it, checked against `ceph osd map` on a real 16.2.15 cluster (pg_num 8).</summary>
public class PlacementTests
{
    [Theory]
    [InlineData("foo", 0x7fc1f406u, 6u)]
    [InlineData("benchmark_last_metadata", 0x8e7a861du, 5u)]
    [InlineData("benchmark_data_vm_1234_object0", 0xb9a4b656u, 6u)]
    [InlineData("a", 0x29eec818u, 0u)]
    [InlineData("abcdefghijklmnop", 0xfa1ecf51u, 1u)]
    [InlineData("", 0xbd49d10du, 5u)]
    public void Hash_and_pg_match_ceph_osd_map(string name, uint hash, uint pg)
    {
        Assert.Equal(hash, Placement.ObjectHash("", "", name));
        Assert.Equal(pg, Placement.PgOf(hash, 8));
    }

    [Fact]
    public void Pg_ends_tile_the_bitwise_hash_space()
    {
        // Walking from each PG's start to its end visits every PG of the pool once, ending at max.
        var seen = new HashSet<uint>();
        uint pg = 0;
        for (int i = 0; i < 8; i++)
        {
            Assert.True(seen.Add(pg));
            HObject end = Placement.PgEnd(1, pg, 8);
            if (end.IsMax)
            {
                break;
            }

            pg = Placement.PgOf(end.Hash, 8);
        }

        Assert.Equal(8, seen.Count);
    }
}
