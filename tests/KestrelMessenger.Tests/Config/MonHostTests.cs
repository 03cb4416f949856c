using KestrelMessenger.Config;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Config;

/// <summary>mon_host is read in every form Ceph 16.2 accepts; `monmaptool --generate` is the oracle where it groups as we do.</summary>
public class MonHostTests
{
    public static TheoryData<string, string[]> Forms => new()
    {
        { "1.2.3.4", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]"] },
        { "1.2.3.4:6789", ["v1:1.2.3.4:6789/0"] },
        { "1.2.3.4:3300", ["v2:1.2.3.4:3300/0"] },
        { "v2:1.2.3.4:3300/0", ["v2:1.2.3.4:3300/0"] },
        { "1.2.3.4:3300/7", ["v2:1.2.3.4:3300/7"] },
        { "v1:1.2.3.4", ["v1:1.2.3.4:6789/0"] },
        { "v2:1.2.3.4", ["v2:1.2.3.4:3300/0"] },
        { "any:1.2.3.4:3300", ["v2:1.2.3.4:3300/0"] },
        { "[v2:1.2.3.4:3300,v1:1.2.3.4:6789]", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]"] },
        { "[1.2.3.4:3300]", ["v2:1.2.3.4:3300/0"] },
        { "1.2.3.4,5.6.7.8 9.9.9.9", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]", "[v2:5.6.7.8:3300/0,v1:5.6.7.8:6789/0]", "[v2:9.9.9.9:3300/0,v1:9.9.9.9:6789/0]"] },
        { "  1.2.3.4  ,  ", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]"] },
        { "1.2.3.4,,5.6.7.8", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]", "[v2:5.6.7.8:3300/0,v1:5.6.7.8:6789/0]"] },
        { "[v2:1.2.3.4:3300,v1:1.2.3.4:6789],[v2:1.2.3.5:3300,v1:1.2.3.5:6789]", ["[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]", "[v2:1.2.3.5:3300/0,v1:1.2.3.5:6789/0]"] },
        { "v2:1.2.3.4:3300 v1:1.2.3.4:6789", ["v2:1.2.3.4:3300/0", "v1:1.2.3.4:6789/0"] },
        { "[::1]:3300", ["v2:[::1]:3300/0"] },
        { "[v2:[::1]:3300]", ["v2:[::1]:3300/0"] },
        { "::1", ["[v2:[::1]:3300/0,v1:[::1]:6789/0]"] },
        { "[::1]", ["[v2:[::1]:3300/0,v1:[::1]:6789/0]"] },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Each_form_gives_the_monitors_monmaptool_builds(string monHost, string[] expected)
    {
        Assert.Equal(expected, MonHost.Parse(monHost).Select(v => v.ToString()));
        Assert.Equal(expected.Order(), (await MonmaptoolAsync(monHost)).Order());
    }

    [Fact]
    public void A_bare_address_on_another_port_is_tried_as_v2_and_v1_as_a_client_does()
    {
        // MonMap::_add_ambiguous_addr for a client (not mkfs): v2 and "-legacy" v1 on the same port.
        Assert.Equal("[v2:1.2.3.4:7000/0,v1:1.2.3.4:7000/0]", Assert.Single(MonHost.Parse("1.2.3.4:7000")).ToString());
    }

    [Fact]
    public void A_semicolon_separates_monitors()
    {
        Assert.Equal(["v2:1.2.3.4:3300/0", "v2:5.6.7.8:3300/0"], MonHost.Parse("1.2.3.4:3300;5.6.7.8:3300").Select(v => v.ToString()));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "garbage!", "mon_host: 'garbage!' is not an address, an address vector or a hostname" },
        { "1.2.3.4:99999", "mon_host: '1.2.3.4:99999' is not an address, an address vector or a hostname" },
        { "1.2.3.4:3300/x", "mon_host: '1.2.3.4:3300/x' is not an address, an address vector or a hostname" },
        { "[v2:1.2.3.4:3300,v1:nohost:6789]", "mon_host: 'v1:nohost:6789' in '[v2:1.2.3.4:3300,v1:nohost:6789]' is not an address of the form v2:IP:PORT" },
        { "[v2:1.2.3.4:3300", "mon_host: '[v2:1.2.3.4:3300' has no closing ']'" },
        { "mon1.example:3300", "mon_host: 'mon1.example' is a hostname; resolve it with MonHost.ResolveAsync or give an IP address" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void What_is_not_an_address_is_refused_by_name(string monHost, string message) =>
        Assert.Equal(message, Assert.Throws<CephConfigException>(() => MonHost.Parse(monHost)).Message);

    [Fact]
    public async Task Hostnames_are_resolved_through_dns_keeping_their_port()
    {
        IReadOnlyList<EntityAddrVec> monitors = await MonHost.ResolveAsync("localhost:3300,1.2.3.4");
        Assert.Contains(monitors, v => v.ToString() == "v2:127.0.0.1:3300/0");
        Assert.Equal("[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]", monitors[^1].ToString());
        await Assert.ThrowsAsync<CephConfigException>(() => MonHost.ResolveAsync("no-such-host.invalid"));
    }

    [Fact]
    public async Task Without_mon_host_the_mon_sections_mon_addr_is_used_as_monmaptool_uses_it()
    {
        const string conf = "[global]\nfsid = 2d9f0a60-2f5e-4b8e-9d1b-8c0c7c1e2a11\n[mon]\nmon addr = 9.9.9.9\n[mon.a]\nmon addr = 1.2.3.4\n[mon.b]\nmon_addr = v2:5.6.7.8:3300\n[mon.c]\nmon addr = [::1]:7000\n[mon.d]\n";
        using var dir = new CephTools.TempDir();
        string path = dir.Write("ceph.conf", conf);
        string[] ours = [.. MonHost.FromConf(CephConf.Load(path), "client.admin").Select(v => v.ToString())];
        Assert.Equal(["v1:1.2.3.4:6789/0", "v2:5.6.7.8:3300/0", "v1:[::1]:7000/0", "v1:9.9.9.9:6789/0"], ours);
        Assert.Equal(ours.Order(), (await MonmaptoolAsync(null, path)).Order());
    }

    [Fact]
    public void Mon_host_wins_over_mon_sections()
    {
        CephConf conf = CephConf.Parse("[global]\nmon host = 9.9.9.9:3300\n[mon.a]\nmon addr = 1.2.3.4\n");
        Assert.Equal("v2:9.9.9.9:3300/0", Assert.Single(MonHost.FromConf(conf, "client.admin")).ToString());
    }

    /// <summary>The monitors `monmaptool --create --generate` puts in a monmap from this mon_host (or conf).</summary>
    private static async Task<string[]> MonmaptoolAsync(string? monHost, string? confPath = null)
    {
        using var dir = new CephTools.TempDir();
        confPath ??= dir.Write("ceph.conf", $"[global]\nfsid = 2d9f0a60-2f5e-4b8e-9d1b-8c0c7c1e2a11\nmon host = {monHost}\n");
        string map = Path.Combine(dir.Path, "monmap");
        (int exit, _, string errors) = await CephTools.RunAsync("monmaptool", ["--create", "--generate", "-c", confPath, map]);
        Assert.True(exit == 0, errors);
        (_, string printed, _) = await CephTools.RunAsync("monmaptool", ["--print", map]);
        // "0: [v2:…,v1:…] mon.noname-a"
        return [.. printed.Split('\n').Where(l => l.Length > 2 && char.IsAsciiDigit(l[0]) && l.Contains(": ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..l.LastIndexOf(" mon.", StringComparison.Ordinal)])];
    }
}
