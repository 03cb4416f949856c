using KestrelMessenger.Config;
using KestrelMessenger.OsdSample.Osd;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>The OSD takes its options from the library's ceph.conf reader, typed (the reader's own tests are in KestrelMessenger.Tests/Config).</summary>
public class ConfigTests
{
    [Fact]
    public void The_options_an_osd_reads_come_from_its_sections_typed()
    {
        CephConf conf = CephConf.Parse(
        [
            "[global]", "mon_host = v2:127.0.0.1:3300", "osd_heartbeat_grace = 20", "ms_bind_ipv6 = false", "client_mount_timeout = 300",
            "[osd]", "osd heartbeat grace = 5", "ms_bind_ipv6 = true", "ms_bind_ipv4 = false", "public network = fd00::/64",
            "[osd.7]", "ms_bind_port_min = 7400", "ms_bind_port_max = 7410", "client_mount_timeout = 2.5", "public_addr = [::1]:7405",
        ]);
        var options = new OsdOptions { Id = 7 };
        OsdConfig.Apply(conf, options);

        Assert.Equal("v2:127.0.0.1:3300", options.MonHost);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HeartbeatGrace);
        Assert.True(options is { BindIpv6: true, BindIpv4: false, BindPortMin: 7400, BindPortMax: 7410, PublicNetwork: "fd00::/64", PublicAddr: "[::1]:7405" });
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.MonConnectTimeout);

        var other = new OsdOptions { Id = 8 };
        OsdConfig.Apply(conf, other);
        Assert.Equal((6800, TimeSpan.FromSeconds(300)), (other.BindPortMin, other.MonConnectTimeout)); // [osd.7] is not osd.8's
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "osd_heartbeat_grace", "soon", "osd_heartbeat_grace = 'soon' is not a positive number of seconds" },
        { "ms_bind_ipv6", "maybe", "ms_bind_ipv6 = 'maybe' is not 'true' or 'false'" },
        { "ms_bind_port_min", "70000", "ms_bind_port_min = '70000' is not an integer in 0..65535" },
        { "public_addr", "not-an-ip", "public_addr 'not-an-ip' is not an address (IP, IP:PORT or v2:IP:PORT)" },
        { "public_network", "10.0.0.0", "public_network: unable to parse network '10.0.0.0' (expected CIDR, e.g. 10.1.0.0/16 or fd00::/64)" },
        { "fsid", "x", "fsid = 'x' is not a uuid" },
        { "no_such_option", "1", "no_such_option is not an option this OSD reads" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_that_does_not_parse_names_the_option(string name, string value, string message)
    {
        var e = Assert.Throws<OsdConfigException>(() => OsdConfig.Set(new OsdOptions(), name, value));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Options_that_cannot_work_together_are_refused()
    {
        var e = Assert.Throws<OsdConfigException>(() => OsdConfig.Validate(new OsdOptions { BindPortMin = 7300, BindPortMax = 6800 }));
        Assert.Equal("ms_bind_port_min 7300 is above ms_bind_port_max 6800", e.Message);
    }
}
