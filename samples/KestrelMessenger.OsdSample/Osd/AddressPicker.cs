using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>Where the OSD's server messengers bind: the public side (public, hb_front) and the cluster side (cluster, hb_back).</summary>
/// <param name="Public">The public IP, with public_addr's port or 0 (walk ms_bind_port_min..max).</param>
/// <param name="Cluster">The cluster IP, with cluster_addr's port or 0.</param>
public sealed record OsdBindAddresses(IPEndPoint Public, IPEndPoint Cluster);

/// <summary>One address of one local interface, as getifaddrs lists them.</summary>
public sealed record LocalAddress(string Interface, IPAddress Address);

/// <summary>A setting that cannot work: the OSD stops before binding anything (exit 1, as ceph-osd's pick_addresses does).</summary>
public sealed class OsdConfigException(string message) : Exception(message);

/// <summary>
/// Ceph's <c>pick_addresses</c> (common/pick_address.cc) for an OSD. Per side: an explicit
/// <c>public_addr</c> / <c>cluster_addr</c> wins; otherwise the first local interface address inside
/// one of <c>public_network</c> / <c>cluster_network</c> (the cluster side falls back to the public
/// networks), of the family <c>ms_bind_ipv4</c> / <c>ms_bind_ipv6</c> select; a cluster side left
/// blank takes the public IP, as ceph-osd advertises it at boot. As Ceph's find_ip_in_subnet does,
/// the interface named <c>lo</c> and IPv6 link-local addresses never match a network.
/// </summary>
public static class AddressPicker
{
    /// <summary>Picks both sides from <paramref name="options"/> and this host's interface addresses.</summary>
    public static OsdBindAddresses Pick(OsdOptions options) => Pick(options, LocalAddresses());

    /// <summary>Picks both sides from <paramref name="options"/> among <paramref name="local"/> (interface order).</summary>
    public static OsdBindAddresses Pick(OsdOptions options, IReadOnlyList<LocalAddress> local)
    {
        AddressFamily family = Family(options);
        IPEndPoint? pub = PickOne("public", options.PublicAddr, options.PublicNetwork, family, local);
        string? clusterNetworks = string.IsNullOrWhiteSpace(options.ClusterNetwork) ? options.PublicNetwork : options.ClusterNetwork;
        IPEndPoint? cluster = PickOne("cluster", options.ClusterAddr, clusterNetworks, family, local);

        // Ceph binds the any-address when nothing is configured and learns its IP from the monitor;
        // the sample has no learned address, so it stays on the loopback of the chosen family.
        pub ??= new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        cluster ??= new IPEndPoint(pub.Address, 0);
        return new OsdBindAddresses(pub, cluster);
    }

    /// <summary>Parses a public_addr / cluster_addr value: <c>IP</c>, <c>IP:PORT</c>, <c>[IPv6]:PORT</c>, <c>v2:IP:PORT/NONCE</c>; null when blank.</summary>
    public static IPEndPoint? ParseAddr(string name, string? value)
    {
        string s = value?.Trim() ?? "";
        if (s.Length == 0 || s == "-")
        {
            return null;
        }

        if (s.StartsWith("v1:", StringComparison.Ordinal))
        {
            throw new OsdConfigException($"{name} {s} is a msgr1 (v1:) address; this OSD speaks msgr2 only");
        }

        IPEndPoint? endPoint = IPAddress.TryParse(s.Trim('[', ']'), out IPAddress? bare) && !s.Contains("]:", StringComparison.Ordinal)
            ? new IPEndPoint(bare, 0)
            : EntityAddr.TryParse(s, EntityAddrType.Msgr2, out EntityAddr? addr) ? addr.EndPoint : null;
        if (endPoint is null)
        {
            throw new OsdConfigException($"{name} '{s}' is not an address (IP, IP:PORT or v2:IP:PORT)");
        }

        // The any-address is Ceph's blank address: as if unset.
        return endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? null : endPoint;
    }

    /// <summary>Parses a network list (comma, semicolon or whitespace separated CIDRs), as Ceph's get_str_list splits it.</summary>
    public static IReadOnlyList<(IPAddress Network, int Prefix)> ParseNetworks(string name, string? value)
    {
        var networks = new List<(IPAddress, int)>();
        foreach (string part in (value ?? "").Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = part.IndexOf('/');
            if (slash <= 0 || !IPAddress.TryParse(part[..slash], out IPAddress? network)
                || !int.TryParse(part[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int prefix))
            {
                throw new OsdConfigException($"{name}: unable to parse network '{part}' (expected CIDR, e.g. 10.1.0.0/16 or fd00::/64)");
            }

            // Ceph masks with the whole address when the prefix is longer than it.
            networks.Add((network, Math.Min(prefix, network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)));
        }

        return networks;
    }

    /// <summary>True when <paramref name="address"/> lies in <paramref name="network"/>/<paramref name="prefix"/> (host bits of the network ignored, as Ceph masks them).</summary>
    public static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        for (int bit = 0; bit < prefix; bit++)
        {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static AddressFamily Family(OsdOptions options) => (options.BindIpv4, options.BindIpv6) switch
    {
        (true, false) => AddressFamily.InterNetwork,
        (false, true) => AddressFamily.InterNetworkV6,
        (false, false) => throw new OsdConfigException("ms_bind_ipv4 and ms_bind_ipv6 are both false: there is no address family to bind"),
        // Ceph would bind both families; one address vector per family is more than the sample advertises.
        (true, true) => throw new OsdConfigException("ms_bind_ipv4 and ms_bind_ipv6 are both true: dual-stack binding is not supported; for IPv6 set ms_bind_ipv4 = false"),
    };

    private static IPEndPoint? PickOne(string side, string? addr, string? networks, AddressFamily family, IReadOnlyList<LocalAddress> local)
    {
        if (ParseAddr($"{side}_addr", addr) is IPEndPoint configured)
        {
            if (configured.AddressFamily != family)
            {
                throw new OsdConfigException(family == AddressFamily.InterNetworkV6
                    ? $"{side}_addr {configured.Address} is IPv4 but ms_bind_ipv4 is false"
                    : $"{side}_addr {configured.Address} is IPv6 but ms_bind_ipv6 is false (set ms_bind_ipv6 = true and ms_bind_ipv4 = false)");
            }

            return configured;
        }

        IReadOnlyList<(IPAddress Network, int Prefix)> nets = ParseNetworks($"{side}_network", networks);
        if (nets.Count == 0)
        {
            return null;
        }

        foreach ((IPAddress network, int prefix) in nets.Where(n => n.Network.AddressFamily == family))
        {
            if (local.FirstOrDefault(a => Eligible(a) && InNetwork(a.Address, network, prefix)) is LocalAddress found)
            {
                return new IPEndPoint(found.Address, 0);
            }
        }

        throw new OsdConfigException($"unable to find any {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address in networks '{networks}' for the {side} side");
    }

    // Ceph never picks the loopback interface for a network, nor an IPv6 link-local address.
    private static bool Eligible(LocalAddress a) => a.Interface != "lo" && !a.Address.IsIPv6LinkLocal;

    private static List<LocalAddress> LocalAddresses() =>
        [.. NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(u => new LocalAddress(i.Name, u.Address)))];
}
