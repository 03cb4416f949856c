using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KestrelMessenger.Wire;

/// <summary>The kind of an <see cref="EntityAddr"/> (<c>entity_addr_t::TYPE_*</c>).</summary>
public enum EntityAddrType : uint
{
    /// <summary>No address.</summary>
    None = 0,
    /// <summary>msgr1 ("v1:").</summary>
    Legacy = 1,
    /// <summary>msgr2 ("v2:").</summary>
    Msgr2 = 2,
    /// <summary>Either protocol ("any:"): what clients put in CLIENT_IDENT.</summary>
    Any = 3,
    /// <summary>An address range ("cidr:"), only in OSDMap blocklists.</summary>
    Cidr = 4,
}

/// <summary>
/// Ceph's <c>entity_addr_t</c>: a type, a nonce that tells restarted processes apart, and a socket
/// address. <see cref="EndPoint"/> is null for a blank address.
/// </summary>
public sealed record EntityAddr(EntityAddrType Type, uint Nonce, IPEndPoint? EndPoint)
{
    // Linux values, whatever the host OS: the sockaddr is copied raw from Linux memory by Ceph.
    private const ushort LinuxAfInet = 2;
    private const ushort LinuxAfInet6 = 10;
    private const int SockaddrInLength = 16;
    private const int SockaddrIn6Length = 28;
    private const int LegacySockaddrStorageLength = 128;

    /// <summary>True when this names no socket address.</summary>
    public bool IsBlank => EndPoint is null;

    /// <summary>A msgr2 address.</summary>
    public static EntityAddr V2(IPEndPoint endPoint, uint nonce = 0) => new(EntityAddrType.Msgr2, nonce, endPoint);

    /// <summary>Writes the msgr2 form: marker 1, <c>ENCODE_START(1, 1)</c>, type, nonce, sockaddr.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        StructToken token = writer.BeginStruct(1, 1);
        writer.WriteU32((uint)Type);
        writer.WriteU32(Nonce);
        switch (EndPoint?.AddressFamily)
        {
            case AddressFamily.InterNetwork:
            {
                writer.WriteU32(SockaddrInLength);
                Span<byte> sa = writer.GetSpan(SockaddrInLength)[..SockaddrInLength];
                sa.Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(sa, LinuxAfInet);
                BinaryPrimitives.WriteUInt16BigEndian(sa[2..], (ushort)EndPoint.Port);
                EndPoint.Address.TryWriteBytes(sa[4..], out _);
                writer.Advance(SockaddrInLength);
                break;
            }

            case AddressFamily.InterNetworkV6:
            {
                writer.WriteU32(SockaddrIn6Length);
                Span<byte> sa = writer.GetSpan(SockaddrIn6Length)[..SockaddrIn6Length];
                sa.Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(sa, LinuxAfInet6);
                BinaryPrimitives.WriteUInt16BigEndian(sa[2..], (ushort)EndPoint.Port);
                EndPoint.Address.TryWriteBytes(sa[8..], out _);
                BinaryPrimitives.WriteUInt32LittleEndian(sa[24..], (uint)EndPoint.Address.ScopeId);
                writer.Advance(SockaddrIn6Length);
                break;
            }

            default:
                // A blank address is a zeroed sockaddr union (the size of sockaddr_in6).
                writer.WriteU32(SockaddrIn6Length);
                writer.GetSpan(SockaddrIn6Length)[..SockaddrIn6Length].Clear();
                writer.Advance(SockaddrIn6Length);
                break;
        }

        writer.EndStruct(token);
    }

    /// <summary>Reads either form: marker 1 (msgr2) or marker 0 (legacy, 128-byte sockaddr_storage).</summary>
    public static EntityAddr Decode(ref DencReader reader)
    {
        byte marker = reader.ReadU8();
        return marker switch
        {
            1 => DecodeV2Body(ref reader),
            0 => DecodeLegacyBody(ref reader),
            _ => throw new DecodeException($"entity_addr_t marker {marker} is neither 0 (legacy) nor 1"),
        };
    }

    private static EntityAddr DecodeV2Body(ref DencReader reader)
    {
        StructHeader header = reader.BeginStruct(1, "entity_addr_t");
        var type = (EntityAddrType)reader.ReadU32();
        uint nonce = reader.ReadU32();
        uint length = reader.ReadU32();
        if (length > SockaddrIn6Length)
        {
            throw new DecodeException($"entity_addr_t sockaddr_len {length} exceeds {SockaddrIn6Length}");
        }

        IPEndPoint? endPoint = ParseSockaddr(reader.ReadBytes((int)length), familyBigEndian: false);
        reader.EndStruct(header);
        return new EntityAddr(type, nonce, endPoint);
    }

    private static EntityAddr DecodeLegacyBody(ref DencReader reader)
    {
        // The marker byte was the first byte of a u32 "type" that is always 0 in this form.
        ReadOnlySpan<byte> rest = reader.ReadBytes(3);
        if (rest[0] != 0 || rest[1] != 0 || rest[2] != 0)
        {
            throw new DecodeException("legacy entity_addr_t has a non-zero type field");
        }

        uint nonce = reader.ReadU32();
        IPEndPoint? endPoint = ParseSockaddr(reader.ReadBytes(LegacySockaddrStorageLength), familyBigEndian: true);
        return new EntityAddr(EntityAddrType.Legacy, nonce, endPoint);
    }

    private static IPEndPoint? ParseSockaddr(ReadOnlySpan<byte> sa, bool familyBigEndian)
    {
        if (sa.Length == 0)
        {
            return null;
        }

        if (sa.Length < 2)
        {
            throw new DecodeException($"sockaddr of {sa.Length} bytes is too short for its family");
        }

        ushort family = familyBigEndian ? BinaryPrimitives.ReadUInt16BigEndian(sa) : BinaryPrimitives.ReadUInt16LittleEndian(sa);
        switch (family)
        {
            case 0:
                return null;
            case LinuxAfInet when sa.Length >= 8:
                return new IPEndPoint(new IPAddress(sa.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
            case LinuxAfInet6 when sa.Length >= SockaddrIn6Length:
                return new IPEndPoint(
                    new IPAddress(sa.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(sa[24..])),
                    BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
            default:
                throw new DecodeException($"sockaddr family {family} with {sa.Length} bytes is not supported");
        }
    }

    /// <summary>Parses Ceph's text form: <c>v2:127.0.0.1:6800/1234</c>, <c>v1:[::1]:6789</c>, <c>any:…</c>, <c>-</c>.</summary>
    public static EntityAddr Parse(string text, EntityAddrType defaultType = EntityAddrType.Msgr2)
    {
        if (TryParse(text, defaultType, out EntityAddr? addr))
        {
            return addr;
        }

        throw new FormatException($"'{text}' is not an address of the form v2:IP:PORT[/NONCE]");
    }

    /// <summary>Parses Ceph's text form; returns false when it is not one.</summary>
    public static bool TryParse(string text, EntityAddrType defaultType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EntityAddr? addr)
    {
        addr = null;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        if (s is "-")
        {
            addr = new EntityAddr(EntityAddrType.None, 0, null);
            return true;
        }

        EntityAddrType type = defaultType;
        foreach ((string prefix, EntityAddrType t) in Prefixes)
        {
            if (s.StartsWith(prefix, StringComparison.Ordinal))
            {
                type = t;
                s = s[prefix.Length..];
                break;
            }
        }

        uint nonce = 0;
        int slash = s.LastIndexOf('/');
        if (slash >= 0)
        {
            if (!uint.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out nonce))
            {
                return false;
            }

            s = s[..slash];
        }

        if (!IPEndPoint.TryParse(s, out IPEndPoint? endPoint) || (s.IndexOf(':') < 0))
        {
            return false;
        }

        addr = new EntityAddr(type, nonce, endPoint);
        return true;
    }

    private static readonly (string Prefix, EntityAddrType Type)[] Prefixes =
    [
        ("v2:", EntityAddrType.Msgr2), ("v1:", EntityAddrType.Legacy), ("any:", EntityAddrType.Any), ("cidr:", EntityAddrType.Cidr),
    ];

    /// <summary>Whether this address would be accepted as "the address the client dialled" by a server at <paramref name="mine"/>.</summary>
    internal bool MatchesServerAddr(EntityAddr mine)
    {
        if (Type != mine.Type || Nonce != mine.Nonce || EndPoint is null || mine.EndPoint is null || EndPoint.Port != mine.EndPoint.Port)
        {
            return false;
        }

        // A server bound to the wildcard address answers on every local IP, as Ceph's learned address does.
        return EndPoint.Address.Equals(mine.EndPoint.Address)
            || mine.EndPoint.Address.Equals(IPAddress.Any)
            || mine.EndPoint.Address.Equals(IPAddress.IPv6Any);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string prefix = Type switch
        {
            EntityAddrType.None => "-",
            EntityAddrType.Legacy => "v1:",
            EntityAddrType.Msgr2 => "v2:",
            EntityAddrType.Any => "any:",
            EntityAddrType.Cidr => "cidr:",
            _ => $"type{(uint)Type}:",
        };
        if (Type == EntityAddrType.None)
        {
            return prefix;
        }

        string where = EndPoint?.ToString() ?? "-";
        return $"{prefix}{where}/{Nonce.ToString(CultureInfo.InvariantCulture)}";
    }
}
