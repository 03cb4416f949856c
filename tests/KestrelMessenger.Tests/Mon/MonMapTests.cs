using KestrelMessenger.Mon;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Mon;

/// <summary>MonMap decoding, against monmaps written by Ceph 16.2's own monmaptool.</summary>
public class MonMapTests
{
    [Fact]
    public async Task A_monmap_from_monmaptool_decodes_to_its_fsid_and_monitors_in_rank_order()
    {
        string file = Path.Combine(Path.GetTempPath(), $"kmsgr-monmap-{Guid.NewGuid():N}");
        var fsid = Guid.NewGuid();
        try
        {
            (int exit, _, string errors) = await Processes.RunAsync("monmaptool", ["--create", "--fsid", fsid.ToString(),
                "--addv", "b", "[v2:127.0.0.1:3301,v1:127.0.0.1:6790]", "--addv", "a", "[v2:127.0.0.1:3300,v1:127.0.0.1:6789]",
                "--addv", "c", "[v2:[::1]:3302]", file]);
            Assert.True(exit == 0, errors);

            MonMap map = MonMap.Decode(await File.ReadAllBytesAsync(file));

            Assert.Equal(fsid, map.Fsid);
            Assert.Equal(0u, map.Epoch); // monmaptool --create writes epoch 0
            // Ceph ranks monitors by address (the legacy order), so a at :3300 comes first.
            Assert.Equal(["a", "b", "c"], map.Monitors.Select(m => m.Name));
            Assert.Equal([0, 1, 2], map.Monitors.Select(m => m.Rank));
            Assert.Equal("[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]", map.Monitors[0].Addrs.ToString());
            Assert.Equal("v2:[::1]:3302/0", map.Monitors[2].Addrs.ToString());
            Assert.Same(map.Monitors[1], map.Find(EntityAddrVec.Parse("v2:127.0.0.1:3301/0")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_truncated_monmap_is_a_decode_error_at_every_length()
    {
        string file = Path.Combine(Path.GetTempPath(), $"kmsgr-monmap-{Guid.NewGuid():N}");
        try
        {
            (int exit, _, string errors) = await Processes.RunAsync("monmaptool", ["--create", "--fsid", Guid.NewGuid().ToString(), "--addv", "a", "[v2:127.0.0.1:3300]", file]);
            Assert.True(exit == 0, errors);
            byte[] bytes = await File.ReadAllBytesAsync(file);
            for (int length = 0; length < bytes.Length; length++)
            {
                Assert.Throws<DecodeException>(() => MonMap.Decode(bytes.AsSpan(0, length)));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
