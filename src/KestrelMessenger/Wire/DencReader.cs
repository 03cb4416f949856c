using System.Buffers.Binary;
using System.Text;

namespace KestrelMessenger.Wire;

/// <summary>
/// Reads Ceph's little-endian "denc" encoding from a contiguous buffer. Every length and count read
/// off the wire is checked against what is left before anything is allocated, so a hostile length
/// can never allocate more than the (already bounded) input.
/// </summary>
public ref struct DencReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ReadOnlyMemory<byte> _memory;
    private int _position;

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>.</summary>
    public DencReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>; blobs can then be sliced, not copied (<see cref="ReadBlobMemory"/>).</summary>
    public DencReader(ReadOnlyMemory<byte> buffer)
    {
        _memory = buffer;
        _buffer = buffer.Span;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool End => _position == _buffer.Length;

    /// <summary>Reads a u8.</summary>
    public byte ReadU8() => Take(1)[0];

    /// <summary>Reads a bool encoded as one byte.</summary>
    public bool ReadBool() => ReadU8() != 0;

    /// <summary>Reads a le16.</summary>
    public ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    /// <summary>Reads a le32.</summary>
    public uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>Reads a signed le32.</summary>
    public int ReadI32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    /// <summary>Reads a le64.</summary>
    public ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>Reads a signed le64.</summary>
    public long ReadI64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads <paramref name="count"/> raw bytes without a length prefix.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0)
        {
            throw new DecodeException($"negative length {count}");
        }

        return Take(count);
    }

    /// <summary>Reads a u32-prefixed byte string (a <c>bufferlist</c>).</summary>
    public ReadOnlySpan<byte> ReadBlob()
    {
        uint length = ReadU32();
        if (length > (uint)Remaining)
        {
            throw new DecodeException($"blob of {length} bytes but only {Remaining} remain");
        }

        return Take((int)length);
    }

    /// <summary>
    /// Reads a u32-prefixed byte string as memory: a slice of the input when the reader was made over
    /// memory (no copy), an owned copy otherwise.
    /// </summary>
    public ReadOnlyMemory<byte> ReadBlobMemory()
    {
        int start = _position + sizeof(uint);
        ReadOnlySpan<byte> blob = ReadBlob();
        return _memory.Length == _buffer.Length && !_memory.IsEmpty ? _memory.Slice(start, blob.Length) : blob.ToArray();
    }

    /// <summary>Reads a u32-prefixed UTF-8 string (a <c>std::string</c>).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBlob());

    /// <summary>
    /// Reads a u32 element count for a vector/map/set, rejecting counts that could not possibly fit
    /// in the remaining bytes at <paramref name="minElementSize"/> bytes each.
    /// </summary>
    public int ReadCount(int minElementSize = 1)
    {
        uint count = ReadU32();
        if (minElementSize > 0 && count > (uint)(Remaining / minElementSize))
        {
            throw new DecodeException($"count {count} cannot fit in the {Remaining} bytes that remain");
        }

        return (int)count;
    }

    /// <summary>
    /// Reads the <c>ENCODE_START</c> header (u8 struct_v, u8 struct_compat, u32 struct_len) and
    /// returns where the struct ends, so <see cref="EndStruct"/> can skip fields a newer sender added.
    /// </summary>
    public StructHeader BeginStruct(byte maxCompat, string what)
    {
        byte version = ReadU8();
        byte compat = ReadU8();
        uint length = ReadU32();
        if (compat > maxCompat)
        {
            throw new DecodeException($"{what}: struct_compat {compat} is newer than the {maxCompat} this decoder understands");
        }

        if (length > (uint)Remaining)
        {
            throw new DecodeException($"{what}: struct_len {length} but only {Remaining} bytes remain");
        }

        return new StructHeader(version, compat, _position + (int)length);
    }

    /// <summary>Skips to the end of a struct begun with <see cref="BeginStruct"/>.</summary>
    public void EndStruct(StructHeader header)
    {
        if (_position > header.End)
        {
            throw new DecodeException($"struct decoded past its struct_len by {_position - header.End} bytes");
        }

        _position = header.End;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw new DecodeException($"needed {count} bytes at offset {_position} but only {Remaining} remain");
        }

        ReadOnlySpan<byte> span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }
}

/// <summary>A decoded <c>ENCODE_START</c> header.</summary>
/// <param name="Version">struct_v.</param>
/// <param name="Compat">struct_compat.</param>
/// <param name="End">Reader position just past the struct body.</param>
public readonly record struct StructHeader(byte Version, byte Compat, int End);
