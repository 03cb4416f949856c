using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace KestrelMessenger.Wire;

/// <summary>
/// Writes Ceph's little-endian "denc" encoding into a growable pooled buffer. Unlike a plain
/// <see cref="IBufferWriter{T}"/> it can patch a length written earlier, which versioned structs
/// (<c>struct_len</c>) need. Reuse one instance with <see cref="Reset"/> to stay allocation-free.
/// </summary>
public sealed class DencWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    /// <summary>Creates a writer with at least <paramref name="initialCapacity"/> bytes of room.</summary>
    public DencWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _written;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The bytes written so far, valid until the next write or <see cref="Reset"/>.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Reset() => _written = 0;

    /// <summary>Copies the written bytes into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Writes a u8.</summary>
    public void WriteU8(byte value) => Reserve(1)[0] = value;

    /// <summary>Writes a bool as one byte.</summary>
    public void WriteBool(bool value) => WriteU8(value ? (byte)1 : (byte)0);

    /// <summary>Writes a le16.</summary>
    public void WriteU16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    /// <summary>Writes a le32.</summary>
    public void WriteU32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    /// <summary>Writes a signed le32.</summary>
    public void WriteI32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    /// <summary>Writes a le64.</summary>
    public void WriteU64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    /// <summary>Writes a signed le64.</summary>
    public void WriteI64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    /// <summary>Writes raw bytes without a length prefix.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>Writes a u32-prefixed byte string (a <c>bufferlist</c>).</summary>
    public void WriteBlob(ReadOnlySpan<byte> value)
    {
        WriteU32((uint)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes a u32-prefixed UTF-8 string (a <c>std::string</c>).</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteU32((uint)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    /// <summary>Writes the <c>ENCODE_START</c> header with a placeholder length; finish with <see cref="EndStruct"/>.</summary>
    public StructToken BeginStruct(byte version, byte compat)
    {
        WriteU8(version);
        WriteU8(compat);
        int lengthAt = _written;
        WriteU32(0);
        return new StructToken(lengthAt);
    }

    /// <summary>Patches the <c>struct_len</c> of a struct begun with <see cref="BeginStruct"/>.</summary>
    public void EndStruct(StructToken token)
    {
        int bodyLength = _written - token.LengthOffset - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(token.LengthOffset, 4), (uint)bodyLength);
    }

    /// <summary>Overwrites a le32 written earlier at <paramref name="offset"/>.</summary>
    public void PatchU32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_written);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int count)
    {
        Grow(count);
        Span<byte> span = _buffer.AsSpan(_written, count);
        _written += count;
        return span;
    }

    private void Grow(int count)
    {
        if (_buffer.Length - _written >= count)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + count));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}

/// <summary>Where a struct's length placeholder was written.</summary>
public readonly record struct StructToken(int LengthOffset);
