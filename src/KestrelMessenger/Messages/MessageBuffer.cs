using System.Buffers;

namespace KestrelMessenger.Messages;

/// <summary>
/// One message segment (front, middle or data) in a buffer rented from the shared pool. The
/// message owns it and returns it on dispose; copy out anything needed beyond that.
/// </summary>
public sealed class MessageBuffer : IDisposable
{
    private byte[]? _array;
    private readonly int _length;

    private MessageBuffer(byte[]? array, int length)
    {
        _array = array;
        _length = length;
    }

    /// <summary>A shared empty buffer.</summary>
    public static MessageBuffer Empty { get; } = new(null, 0);

    /// <summary>Length in bytes.</summary>
    public int Length => _length;

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _array is null ? ReadOnlyMemory<byte>.Empty : _array.AsMemory(0, _length);

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Span => Memory.Span;

    /// <summary>Copies <paramref name="source"/> into a pooled buffer.</summary>
    public static MessageBuffer CopyOf(in ReadOnlySequence<byte> source)
    {
        if (source.IsEmpty)
        {
            return Empty;
        }

        byte[] array = ArrayPool<byte>.Shared.Rent(checked((int)source.Length));
        source.CopyTo(array);
        return new MessageBuffer(array, (int)source.Length);
    }

    /// <summary>Copies <paramref name="source"/> into a pooled buffer.</summary>
    public static MessageBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return Empty;
        }

        byte[] array = ArrayPool<byte>.Shared.Rent(source.Length);
        source.CopyTo(array);
        return new MessageBuffer(array, source.Length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
