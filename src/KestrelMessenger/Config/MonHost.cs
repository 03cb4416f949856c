using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Config;

/// <summary>
/// Ceph's <c>mon_host</c> (src/mon/MonMap.cc <c>init_with_ips</c> / <c>init_with_hosts</c>, parsed by
/// <c>entity_addrvec_t::parse</c>): the initial monitors, one <see cref="EntityAddrVec"/> each.
/// </summary>
/// <remarks>
/// <para>Monitors are separated by commas, spaces or semicolons. Each is an address vector
/// <c>[v2:IP:PORT,v1:IP:PORT]</c> (taken as written), or one address, with or without <c>v1:</c> /
/// <c>v2:</c>, port and <c>/NONCE</c>; an IPv6 address is bracketed when a port follows
/// (<c>[::1]:3300</c>). One address without a prefix is ambiguous, and Ceph settles it by its port
/// (<c>MonMap::_add_ambiguous_addr</c>): no port gives both <c>v2:IP:3300</c> and <c>v1:IP:6789</c>;
/// 3300 is v2; 6789 is v1; any other port is tried as both v2 and v1. With a prefix and no port the
/// type's default port is used.</para>
/// <para>Ceph keeps a bare address's two addresses as two monmap entries (<c>noname-a</c> and
/// <c>noname-a-legacy</c>); we return them as one monitor's vector (v2 first), the grouping
/// <c>monmaptool --generate</c> also makes. Hostnames (with an optional port) are resolved through DNS by
/// <see cref="ResolveAsync"/>; <see cref="Parse"/> refuses them. Where Ceph 16.2 silently drops what
/// follows a <c>;</c>, we take it as a separator; a port above 65535 is refused (Ceph wraps it).</para>
/// </remarks>
public static class MonHost
{
    /// <summary><c>CEPH_MON_PORT_IANA</c>: the msgr2 monitor port.</summary>
    public const int V2Port = 3300;

    /// <summary><c>CEPH_MON_PORT_LEGACY</c>: the msgr1 monitor port.</summary>
    public const int V1Port = 6789;

    /// <summary>
    /// Parses <paramref name="monHost"/> without DNS; throws <see cref="CephConfigException"/> naming the
    /// part that is neither an address nor an address vector (a hostname says so).
    /// </summary>
    public static IReadOnlyList<EntityAddrVec> Parse(string monHost) =>
        ParseCore(monHost, static host => throw new CephConfigException(
            $"mon_host: '{host}' is a hostname; resolve it with MonHost.ResolveAsync or give an IP address"));

    /// <summary>Parses <paramref name="monHost"/>, resolving hostnames through DNS (every address a name has is one monitor).</summary>
    public static async Task<IReadOnlyList<EntityAddrVec>> ResolveAsync(string monHost, CancellationToken cancellationToken = default)
    {
        // Resolve each distinct name once, then parse with the answers at hand.
        var answers = new Dictionary<string, IPAddress[]>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in Split(monHost))
        {
            bool isAddr = TryParseAddr(part, EntityAddrType.Any, out _, out int used) && used == part.Length;
            if (!isAddr && !part.StartsWith('[') && HostPart(part) is string host && !answers.ContainsKey(host))
            {
                try
                {
                    answers[host] = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new CephConfigException($"mon_host: cannot resolve '{host}': {e.Message}", e);
                }
            }
        }

        return ParseCore(monHost, host => answers[host]);
    }

    /// <summary>
    /// The monitors a conf gives <paramref name="entity"/>, as <c>MonMap::build_initial</c> finds them:
    /// its <c>mon_host</c>; when that is empty, each <c>[mon.NAME]</c> section's <c>mon addr</c>
    /// (looked up in <c>[mon.NAME]</c>, <c>[mon]</c>, <c>[global]</c>; a legacy option, so an address
    /// without a prefix is v1 and without a port gets 6789; vectors are not accepted there), in section
    /// name order. Hostnames in mon_host are refused, as by <see cref="Parse"/>.
    /// </summary>
    public static IReadOnlyList<EntityAddrVec> FromConf(CephConf conf, string entity, CephMetaVariables? meta = null)
    {
        ArgumentNullException.ThrowIfNull(conf);
        if (conf.Get(entity, "mon_host", meta) is string monHost && monHost.Length > 0)
        {
            return Parse(monHost);
        }

        var monitors = new List<EntityAddrVec>();
        foreach (string section in conf.SectionNames.Where(s => s.StartsWith("mon.", StringComparison.Ordinal) && s.Length > 4).Order(StringComparer.Ordinal))
        {
            string? addr = conf.Get(section, "mon_addr", meta);
            if (addr is null)
            {
                continue; // Ceph reports the monitor and goes on
            }

            if (!TryParseAddr(addr.Trim(), EntityAddrType.Legacy, out EntityAddr? parsed, out int used) || used != addr.Trim().Length)
            {
                throw new CephConfigException($"[{section}] mon addr '{addr}' is not an address (IP, IP:PORT, v1:IP:PORT or v2:IP:PORT)");
            }

            monitors.Add(new EntityAddrVec(parsed.EndPoint!.Port == 0 ? parsed with { EndPoint = new IPEndPoint(parsed.EndPoint.Address, V1Port) } : parsed));
        }

        return monitors;
    }

    private static IReadOnlyList<EntityAddrVec> ParseCore(string monHost, Func<string, IPAddress[]> resolve)
    {
        ArgumentNullException.ThrowIfNull(monHost);
        var monitors = new List<EntityAddrVec>();
        foreach (string part in Split(monHost))
        {
            if (part.StartsWith('[') && !LooksLikeBracketedIp(part))
            {
                monitors.Add(ParseVector(part));
                continue;
            }

            if (TryParseAddr(part, EntityAddrType.Any, out EntityAddr? addr, out int used) && used == part.Length)
            {
                monitors.Add(Settle(addr));
                continue;
            }

            if (HostPart(part) is not string host)
            {
                throw new CephConfigException($"mon_host: '{part}' is not an address, an address vector or a hostname");
            }

            int port = PortPart(part, host);
            foreach (IPAddress ip in resolve(host))
            {
                monitors.Add(Settle(new EntityAddr(EntityAddrType.Any, 0, new IPEndPoint(ip, port))));
            }
        }

        return monitors;
    }

    /// <summary>Splits at commas, spaces and semicolons outside brackets.</summary>
    private static List<string> Split(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            bool atEnd = i == text.Length;
            char c = atEnd ? ',' : text[i];
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (atEnd || (depth == 0 && c is ',' or ' ' or ';' or '\t'))
            {
                if (i > start)
                {
                    parts.Add(text[start..i]);
                }

                start = i + 1;
            }
        }

        return parts;
    }

    // "[::1]:3300" and "[::1]" are one address, not a vector: Ceph's addrvec parser tries the vector first
    // and falls back to a single address, which is what a bracket followed by a hex digit or ':' means.
    private static bool LooksLikeBracketedIp(string part) => part.Length > 1 && (part[1] == ':' || char.IsAsciiHexDigit(part[1])) && !part.Contains(',', StringComparison.Ordinal)
        && TryParseAddr(part, EntityAddrType.Any, out _, out int used) && used == part.Length;

    private static EntityAddrVec ParseVector(string part)
    {
        if (!part.EndsWith(']'))
        {
            throw new CephConfigException($"mon_host: '{part}' has no closing ']'");
        }

        string inner = part[1..^1];
        var addrs = new List<EntityAddr>();
        foreach (string item in inner.Split(','))
        {
            if (!TryParseAddr(item, EntityAddrType.Any, out EntityAddr? addr, out int used) || used != item.Length)
            {
                throw new CephConfigException($"mon_host: '{item}' in '{part}' is not an address of the form v2:IP:PORT");
            }

            addrs.Add(addr);
        }

        // One address in brackets is still ambiguous; a real vector is taken as written.
        return addrs.Count == 1 ? Settle(addrs[0]) : new EntityAddrVec(addrs);
    }

    /// <summary>MonMap::_add_ambiguous_addr, grouped: the addresses one mon_host entry means.</summary>
    private static EntityAddrVec Settle(EntityAddr addr)
    {
        IPAddress ip = addr.EndPoint!.Address;
        int port = addr.EndPoint.Port;
        EntityAddr At(EntityAddrType type, int p) => new(type, addr.Nonce, new IPEndPoint(ip, p));
        return addr.Type switch
        {
            EntityAddrType.Msgr2 => new EntityAddrVec(At(EntityAddrType.Msgr2, port == 0 ? V2Port : port)),
            EntityAddrType.Legacy => new EntityAddrVec(At(EntityAddrType.Legacy, port == 0 ? V1Port : port)),
            _ => port switch
            {
                0 => new EntityAddrVec(At(EntityAddrType.Msgr2, V2Port), At(EntityAddrType.Legacy, V1Port)),
                V1Port => new EntityAddrVec(At(EntityAddrType.Legacy, V1Port)),
                V2Port => new EntityAddrVec(At(EntityAddrType.Msgr2, V2Port)),
                _ => new EntityAddrVec(At(EntityAddrType.Msgr2, port), At(EntityAddrType.Legacy, port)),
            },
        };
    }

    /// <summary>
    /// entity_addr_t::parse: optional <c>v1:</c>/<c>v2:</c>/<c>any:</c>, an IPv4 dotted quad or an IPv6
    /// address (bracketed if a port follows), optional <c>:PORT</c>, optional <c>/NONCE</c>. Port 0 means none given.
    /// </summary>
    private static bool TryParseAddr(string s, EntityAddrType defaultType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EntityAddr? addr, out int used)
    {
        addr = null;
        used = 0;
        int i = 0;
        EntityAddrType type = defaultType;
        foreach ((string prefix, EntityAddrType t) in Prefixes)
        {
            if (s.StartsWith(prefix, StringComparison.Ordinal))
            {
                type = t;
                i = prefix.Length;
                break;
            }
        }

        bool brackets = i < s.Length && s[i] == '[';
        if (brackets)
        {
            i++;
        }

        // As Ceph: the longest run of IPv4 characters, else of IPv6 characters, must be an address.
        int v4End = i;
        while (v4End < s.Length && (char.IsAsciiDigit(s[v4End]) || s[v4End] == '.'))
        {
            v4End++;
        }

        int v6End = i;
        while (v6End < s.Length && (char.IsAsciiHexDigit(s[v6End]) || s[v6End] == ':'))
        {
            v6End++;
        }

        IPAddress? ip;
        if (IsDottedQuad(s.AsSpan(i, v4End - i)) && IPAddress.TryParse(s.AsSpan(i, v4End - i), out ip))
        {
            i = v4End;
        }
        else if (v6End > i && s.AsSpan(i, v6End - i).Contains(':') && IPAddress.TryParse(s.AsSpan(i, v6End - i), out ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            i = v6End;
        }
        else
        {
            return false;
        }

        if (brackets)
        {
            if (i >= s.Length || s[i] != ']')
            {
                return false;
            }

            i++;
        }

        int port = 0;
        if (i < s.Length && s[i] == ':')
        {
            int start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || !int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                return false;
            }
        }

        uint nonce = 0;
        if (i < s.Length && s[i] == '/')
        {
            int start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || !uint.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out nonce))
            {
                return false;
            }
        }

        addr = new EntityAddr(type, nonce, new IPEndPoint(ip, port));
        used = i;
        return true;
    }

    // inet_pton(AF_INET) takes only four dotted decimal parts; .NET's parser also takes "1.2.3" and "1".
    private static bool IsDottedQuad(ReadOnlySpan<char> s)
    {
        int dots = 0;
        foreach (char c in s)
        {
            dots += c == '.' ? 1 : 0;
        }

        return dots == 3 && s.Length >= 7;
    }

    /// <summary>The hostname of "host" or "host:port", or null when the part is not of that form.</summary>
    private static string? HostPart(string part)
    {
        int colon = part.LastIndexOf(':');
        string host = colon < 0 ? part : part[..colon];
        if (host.Length == 0 || host.Length > 253 || host.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (char c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return null;
            }
        }

        if (colon >= 0 && PortPart(part, host) < 0)
        {
            return null;
        }

        return host;
    }

    private static int PortPart(string part, string host) =>
        part.Length == host.Length ? 0
        : int.TryParse(part.AsSpan(host.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535 ? port
        : -1;

    private static readonly (string Prefix, EntityAddrType Type)[] Prefixes =
    [
        ("v2:", EntityAddrType.Msgr2), ("v1:", EntityAddrType.Legacy), ("any:", EntityAddrType.Any),
    ];
}
