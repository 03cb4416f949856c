using System.Collections;

namespace KestrelMessenger.Wire;

/// <summary>Ceph's <c>entity_addrvec_t</c>: the addresses one entity can be reached at (usually v2 then v1).</summary>
public sealed class EntityAddrVec : IReadOnlyList<EntityAddr>, IEquatable<EntityAddrVec>
{
    // The smallest encoded entity_addr_t: marker, v, compat, len, type, nonce, sockaddr_len.
    private const int MinEncodedAddr = 1 + 6 + 12;
    private readonly EntityAddr[] _addrs;

    /// <summary>Creates a vector of <paramref name="addrs"/>.</summary>
    public EntityAddrVec(params IEnumerable<EntityAddr> addrs) => _addrs = [.. addrs];

    /// <summary>The empty vector.</summary>
    public static EntityAddrVec Empty { get; } = new();

    /// <inheritdoc />
    public int Count => _addrs.Length;

    /// <inheritdoc />
    public EntityAddr this[int index] => _addrs[index];

    /// <summary>The first msgr2 address, if any.</summary>
    public EntityAddr? Msgr2 => Array.Find(_addrs, a => a.Type == EntityAddrType.Msgr2);

    /// <summary>True when some address here equals <paramref name="addr"/> exactly (type, nonce, IP, port).</summary>
    public bool Contains(EntityAddr addr) => Array.IndexOf(_addrs, addr) >= 0;

    /// <summary>Writes marker 2, a le32 count and each address.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(2);
        writer.WriteU32((uint)_addrs.Length);
        foreach (EntityAddr addr in _addrs)
        {
            addr.Encode(writer);
        }
    }

    /// <summary>Reads marker 2 (a vector), or marker 1 / 0 (one bare address) as Ceph accepts.</summary>
    public static EntityAddrVec Decode(ref DencReader reader)
    {
        DencReader peek = reader;
        byte marker = peek.ReadU8();
        if (marker is 0 or 1)
        {
            return new EntityAddrVec(EntityAddr.Decode(ref reader));
        }

        if (marker != 2)
        {
            throw new DecodeException($"entity_addrvec_t marker {marker} is not 0, 1 or 2");
        }

        reader.ReadU8();
        int count = reader.ReadCount(MinEncodedAddr);
        var addrs = new EntityAddr[count];
        for (int i = 0; i < count; i++)
        {
            addrs[i] = EntityAddr.Decode(ref reader);
        }

        return new EntityAddrVec(addrs);
    }

    /// <summary>Parses <c>[v2:IP:PORT/N,v1:IP:PORT/N]</c> or a single address.</summary>
    public static EntityAddrVec Parse(string text)
    {
        string s = text.Trim();
        if (s.StartsWith('[') && s.EndsWith(']') && !s.StartsWith("[:", StringComparison.Ordinal))
        {
            s = s[1..^1];
        }

        return new EntityAddrVec(s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => EntityAddr.Parse(part)));
    }

    /// <inheritdoc />
    public IEnumerator<EntityAddr> GetEnumerator() => ((IEnumerable<EntityAddr>)_addrs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _addrs.GetEnumerator();

    /// <inheritdoc />
    public bool Equals(EntityAddrVec? other) => other is not null && _addrs.AsSpan().SequenceEqual(other._addrs);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as EntityAddrVec);

    /// <inheritdoc />
    public override int GetHashCode() => _addrs.Length == 0 ? 0 : _addrs[0].GetHashCode();

    /// <inheritdoc />
    public override string ToString() => _addrs.Length == 1 ? _addrs[0].ToString() : $"[{string.Join(",", _addrs.Select(a => a.ToString()))}]";
}
