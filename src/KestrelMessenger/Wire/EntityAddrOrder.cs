using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace KestrelMessenger.Wire;

/// <summary>
/// The order Ceph puts addresses in when it breaks a connection race (the lower msgr2 address's
/// connection wins): <c>memcmp</c> over the in-memory <c>entity_addr_t</c> of a little-endian host.
/// That is le32 type, le32 nonce, then the sockaddr (le16 family, be16 port, the address bytes, and
/// zeros for the rest of the 28-byte union), 36 bytes in all. So the nonce compares by its low byte
/// first (nonce 256 orders before nonce 1), while ports and IPs compare numerically.
/// </summary>
public sealed class EntityAddrOrder : IComparer<EntityAddr>
{
    /// <summary>The comparer.</summary>
    public static EntityAddrOrder Instance { get; } = new();

    private const int Size = 4 + 4 + 28;
    private const ushort LinuxInet = 2;
    private const ushort LinuxInet6 = 10; // Linux's AF_INET6, whatever this host's is

    private EntityAddrOrder()
    {
    }

    /// <inheritdoc />
    public int Compare(EntityAddr? x, EntityAddr? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        Span<byte> a = stackalloc byte[Size];
        Span<byte> b = stackalloc byte[Size];
        Image(x, a);
        Image(y, b);
        return Math.Sign(a.SequenceCompareTo(b));
    }

    /// <summary>Writes the 36 bytes <c>memcmp</c> sees for <paramref name="addr"/>.</summary>
    public static void Image(EntityAddr addr, Span<byte> image)
    {
        image = image[..Size];
        image.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(image, (uint)addr.Type);
        BinaryPrimitives.WriteUInt32LittleEndian(image[4..], addr.Nonce);
        if (addr.EndPoint is not IPEndPoint ep)
        {
            return; // a blank address: family 0, all zeros
        }

        Span<byte> sockaddr = image[8..];
        bool v6 = ep.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, v6 ? LinuxInet6 : LinuxInet);
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)ep.Port);
        if (v6)
        {
            // sockaddr_in6: flowinfo (0), the 16 address bytes, scope id.
            ep.Address.TryWriteBytes(sockaddr[8..24], out _);
            BinaryPrimitives.WriteUInt32LittleEndian(sockaddr[24..], (uint)ep.Address.ScopeId);
        }
        else
        {
            ep.Address.TryWriteBytes(sockaddr[4..8], out _);
        }
    }
}
