using System.Buffers;

namespace KestrelMessenger.Messages;

/// <summary>
/// One message segment (front, middle or data): a reference to bytes in buffers rented from the shared
/// pool, in one piece or several (Ceph's <c>bufferlist</c> idea). Buffers are reference-counted:
/// <see cref="Share"/> and <see cref="Slice"/> hand out further references to the same bytes without
/// copying, and a buffer goes back to the pool when its last reference is disposed. Each reference is
/// disposed once (a second <see cref="Dispose"/> does nothing). The bytes never change once made, so a
/// message kept for replay, a dispatcher that keeps a segment, and a reply that reuses it all see the
/// same bytes.
/// </summary>
public sealed class MessageBuffer : IDisposable
{
    // One reference: the pieces it covers, in order. A single piece is the common case and needs no array.
    private readonly Piece _single;
    private readonly Piece[]? _pieces;
    private readonly int _length;
    private ReadOnlySequence<byte>? _sequence;
    private int _disposed;

    // The CRC-32C of all the bytes as a msgr2 segment (seed 0xFFFFFFFF), when known: the bytes never
    // change, so a CRC checked on receipt still holds when the same bytes are sent again (Ceph caches
    // a bufferlist's CRCs for the same reason).
    private uint _segmentCrc;
    private bool _hasSegmentCrc;

    private MessageBuffer(Piece single, int length)
    {
        _single = single;
        _length = length;
    }

    private MessageBuffer(Piece[] pieces, int length)
    {
        _pieces = pieces;
        _length = length;
    }

    /// <summary>A shared empty buffer.</summary>
    public static MessageBuffer Empty { get; } = new(default(Piece), 0);

    /// <summary>
    /// Pooled buffers rented and not yet returned, process-wide: what messages, sent lists and anything that
    /// shares their bytes hold now (a leak shows as growth; a double return as a count below where it started).
    /// </summary>
    public static long LiveBlocks => PayloadBlock.Live;

    /// <summary>Pooled buffers rented since the process started (returned ones included).</summary>
    public static long RentedBlocks => PayloadBlock.TakenCount;

    /// <summary>Length in bytes.</summary>
    public int Length => _length;

    /// <summary>True when the bytes are in one piece (<see cref="Memory"/> and <see cref="Span"/> work).</summary>
    public bool IsSingleSegment => _pieces is null;

    /// <summary>The bytes, in one piece or several.</summary>
    public ReadOnlySequence<byte> Sequence => _pieces is null
        ? new ReadOnlySequence<byte>(Memory)
        : _sequence ??= BuildSequence(_pieces);

    /// <summary>The bytes, when they are in one piece (see <see cref="IsSingleSegment"/>; use <see cref="Sequence"/> otherwise).</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            if (_pieces is not null)
            {
                throw new InvalidOperationException($"this {_length}-byte buffer is in {_pieces.Length} pieces: read it through Sequence");
            }

            return _single.Block is null ? ReadOnlyMemory<byte>.Empty : _single.Block.Array.AsMemory(_single.Offset, _single.Length);
        }
    }

    /// <summary>The bytes, when they are in one piece.</summary>
    public ReadOnlySpan<byte> Span => Memory.Span;

    /// <summary>Copies <paramref name="source"/> into a pooled buffer.</summary>
    public static MessageBuffer CopyOf(in ReadOnlySequence<byte> source)
    {
        if (source.IsEmpty)
        {
            return Empty;
        }

        var block = PooledArray.Rent(checked((int)source.Length));
        source.CopyTo(block.Array);
        return new MessageBuffer(new Piece(block, 0, (int)source.Length), (int)source.Length);
    }

    /// <summary>
    /// Copies <paramref name="source"/> into a pooled buffer and returns its CRC-32C (seed 0xFFFFFFFF, a
    /// segment's) in <paramref name="crc"/>, computed in the same pass (<see cref="Wire.Crc32C.CopyAndAppend"/>).
    /// </summary>
    public static MessageBuffer CopyOf(in ReadOnlySequence<byte> source, out uint crc)
    {
        crc = Wire.Crc32C.SegmentSeed;
        if (source.IsEmpty)
        {
            return Empty;
        }

        int length = checked((int)source.Length);
        var block = PooledArray.Rent(length);
        Span<byte> target = block.Array.AsSpan(0, length);
        foreach (ReadOnlyMemory<byte> part in source)
        {
            crc = Wire.Crc32C.CopyAndAppend(crc, part.Span, target);
            target = target[part.Length..];
        }

        return new MessageBuffer(new Piece(block, 0, length), length);
    }

    /// <summary>Copies <paramref name="source"/> into a pooled buffer.</summary>
    public static MessageBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return Empty;
        }

        var block = PooledArray.Rent(source.Length);
        source.CopyTo(block.Array);
        return new MessageBuffer(new Piece(block, 0, source.Length), source.Length);
    }

    /// <summary>
    /// A pooled buffer of <paramref name="length"/> bytes that <paramref name="fill"/> writes once, before
    /// anyone else can see it (every byte: the pool's arrays are not cleared).
    /// </summary>
    public static MessageBuffer Create<TState>(int length, TState state, SpanAction<byte, TState> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return Empty;
        }

        var block = PooledArray.Rent(length);
        try
        {
            fill(block.Array.AsSpan(0, length), state);
        }
        catch
        {
            block.Release();
            throw;
        }

        return new MessageBuffer(new Piece(block, 0, length), length);
    }

    /// <summary>
    /// A reference to the bytes <paramref name="inside"/> views, when they lie within this buffer (a view
    /// handed out from it earlier, such as an op's slice of a message's data segment): sharing instead of
    /// copying. False when they are not this buffer's bytes.
    /// </summary>
    public bool TryShare(ReadOnlyMemory<byte> inside, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageBuffer? shared)
    {
        shared = null;
        if (inside.IsEmpty)
        {
            shared = Empty;
            return true;
        }

        if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(inside, out ArraySegment<byte> view))
        {
            return false;
        }

        ThrowIfDisposed();
        int at = 0;
        foreach (Piece piece in Pieces())
        {
            if (ReferenceEquals(piece.Block!.Array, view.Array) && view.Offset >= piece.Offset && view.Offset + view.Count <= piece.Offset + piece.Length)
            {
                shared = Slice(at + (view.Offset - piece.Offset), view.Count);
                return true;
            }

            at += piece.Length;
        }

        return false;
    }

    /// <summary>
    /// A reference to the bytes <paramref name="inside"/> covers, when they lie within this buffer (a view
    /// handed out from its <see cref="Sequence"/>, such as an op's slice of a data segment in pieces):
    /// sharing instead of copying. False when they are not this buffer's bytes.
    /// </summary>
    public bool TryShare(in ReadOnlySequence<byte> inside, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageBuffer? shared)
    {
        if (inside.IsSingleSegment)
        {
            return TryShare(inside.First, out shared);
        }

        shared = null;
        ThrowIfDisposed();
        if (_pieces is null || inside.Start.GetObject() is not SequencePiece first)
        {
            return false;
        }

        // Only a segment of this buffer's own sequence says where in it the view starts.
        for (ReadOnlySequenceSegment<byte>? segment = Sequence.Start.GetObject() as SequencePiece; segment is not null; segment = segment.Next)
        {
            if (ReferenceEquals(segment, first))
            {
                long start = first.RunningIndex + inside.Start.GetInteger();
                if (start + inside.Length > _length)
                {
                    return false;
                }

                shared = Slice((int)start, (int)inside.Length);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A reference to <paramref name="bytes"/>: shared when they lie in <paramref name="owner"/> (see
    /// <see cref="TryShare(in ReadOnlySequence{byte}, out MessageBuffer?)"/>), a pooled copy otherwise.
    /// </summary>
    public static MessageBuffer ShareOrCopy(MessageBuffer? owner, in ReadOnlySequence<byte> bytes) =>
        owner is not null && owner.TryShare(bytes, out MessageBuffer? shared) ? shared : CopyOf(bytes);

    /// <summary>
    /// A reference to <paramref name="bytes"/>: shared when they lie in <paramref name="owner"/> (see
    /// <see cref="TryShare(ReadOnlyMemory{byte}, out MessageBuffer?)"/>), a pooled copy otherwise.
    /// </summary>
    public static MessageBuffer ShareOrCopy(MessageBuffer? owner, ReadOnlyMemory<byte> bytes) =>
        owner is not null && owner.TryShare(bytes, out MessageBuffer? shared) ? shared : CopyOf(bytes.Span);

    /// <summary>
    /// One buffer made of <paramref name="parts"/> in order, sharing their bytes (no copy). The parts stay
    /// the caller's to dispose.
    /// </summary>
    public static MessageBuffer Concat(params ReadOnlySpan<MessageBuffer> parts)
    {
        var pieces = new List<Piece>(parts.Length);
        long length = 0;
        foreach (MessageBuffer part in parts)
        {
            part.ThrowIfDisposed();
            foreach (Piece piece in part.Pieces())
            {
                pieces.Add(piece);
                length += piece.Length;
            }
        }

        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"{length} bytes are more than one segment can hold");
        }

        return Reference(pieces, (int)length);
    }

    /// <summary>Another reference to the same bytes, to be disposed on its own.</summary>
    public MessageBuffer Share()
    {
        if (_pieces is not null)
        {
            return Slice(0, _length);
        }

        ThrowIfDisposed();
        if (_single.Block is not PayloadBlock block)
        {
            return Empty;
        }

        block.AddReference();
        return new MessageBuffer(_single, _length).WithCrcOf(this);
    }

    /// <summary>A reference to <paramref name="length"/> bytes from <paramref name="start"/>, sharing them.</summary>
    public MessageBuffer Slice(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length - start);
        ThrowIfDisposed();
        var pieces = new List<Piece>(_pieces?.Length ?? 1);
        int skip = start;
        int left = length;
        foreach (Piece piece in Pieces())
        {
            if (left == 0)
            {
                break;
            }

            if (skip >= piece.Length)
            {
                skip -= piece.Length;
                continue;
            }

            int take = Math.Min(piece.Length - skip, left);
            pieces.Add(new Piece(piece.Block, piece.Offset + skip, take));
            left -= take;
            skip = 0;
        }

        MessageBuffer slice = Reference(pieces, length);
        return start == 0 && length == _length ? slice.WithCrcOf(this) : slice;
    }

    /// <summary>
    /// A reference to the same bytes in one piece: shared when they already are, copied once into a
    /// pooled buffer when they lie in pieces (what is known of them, such as their CRC, carries over).
    /// </summary>
    public MessageBuffer InOnePiece()
    {
        ThrowIfDisposed();
        return IsSingleSegment ? Share() : CopyOf(Sequence).WithCrcOf(this);
    }

    /// <summary>The bytes' CRC as a msgr2 segment, when it is known (checked on receipt, or computed once).</summary>
    internal bool TryGetSegmentCrc(out uint crc)
    {
        crc = _segmentCrc;
        return _hasSegmentCrc;
    }

    /// <summary>Records the bytes' CRC as a msgr2 segment, computed or checked by the caller over exactly these bytes.</summary>
    internal MessageBuffer WithSegmentCrc(uint crc)
    {
        if (!ReferenceEquals(this, Empty))
        {
            _segmentCrc = crc;
            _hasSegmentCrc = true;
        }

        return this;
    }

    private MessageBuffer WithCrcOf(MessageBuffer same) => same._hasSegmentCrc ? WithSegmentCrc(same._segmentCrc) : this;

    /// <summary>
    /// A reference to <paramref name="bytes"/> where they lie, when every piece of them is in a transport
    /// block a message may adopt (a socket received them into the messenger's block pool): no copy. False
    /// (nothing taken) otherwise. The caller still holds the pipe the bytes are in, so the blocks cannot be
    /// returned meanwhile.
    /// </summary>
    internal static bool TryAdopt(in ReadOnlySequence<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageBuffer? adopted)
    {
        adopted = null;
        if (bytes.IsEmpty || bytes.Length > Array.MaxLength)
        {
            return false;
        }

        var pieces = new List<Piece>();
        foreach (ReadOnlyMemory<byte> part in bytes)
        {
            if (part.IsEmpty)
            {
                continue;
            }

            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(part, out ArraySegment<byte> view) ||
                !PayloadBlock.TryFindAdoptable(view.Array!, out PayloadBlock? block))
            {
                return false;
            }

            pieces.Add(new Piece(block, view.Offset, view.Count));
        }

        foreach (Piece piece in pieces)
        {
            piece.Block!.Adopt();
        }

        int length = (int)bytes.Length;
        adopted = pieces.Count == 1 ? new MessageBuffer(pieces[0], length) : new MessageBuffer([.. pieces], length);
        return true;
    }

    /// <summary>
    /// Writes the bytes to <paramref name="output"/> and returns their CRC as a msgr2 segment (the known one,
    /// or computed in the same pass). Whole <see cref="PayloadLoan.Size"/> stretches of blocks a socket may
    /// send from (<see cref="PayloadBlock.IsLendable"/>: bytes a socket received) are lent to the pipe when its
    /// pool takes loans; the rest is copied.
    /// </summary>
    internal uint WriteTo(IBufferWriter<byte> output)
    {
        ThrowIfDisposed();
        bool known = _hasSegmentCrc;
        uint crc = Wire.Crc32C.SegmentSeed;
        foreach (Piece piece in Pieces())
        {
            int at = piece.Offset;
            int end = piece.Offset + piece.Length;
            while (at < end)
            {
                ReadOnlySpan<byte> rest = piece.Block!.Array.AsSpan(at, end - at);
                if (rest.Length >= PayloadLoan.Size && piece.Block.IsLendable)
                {
                    if (PayloadLoan.TryLend(output, piece.Block, at, out Memory<byte> room))
                    {
                        crc = known ? crc : Wire.Crc32C.Append(crc, rest[..PayloadLoan.Size]);
                    }
                    else
                    {
                        crc = CopyOut(rest[..PayloadLoan.Size], room.Span, crc, known);
                        output.Advance(PayloadLoan.Size);
                    }

                    at += PayloadLoan.Size;
                    continue;
                }

                Span<byte> target = output.GetSpan();
                int n = Math.Min(target.Length, rest.Length);
                crc = CopyOut(rest[..n], target, crc, known);
                output.Advance(n);
                at += n;
            }
        }

        return known ? _segmentCrc : crc;

        static uint CopyOut(ReadOnlySpan<byte> source, Span<byte> target, uint crc, bool known)
        {
            if (known)
            {
                source.CopyTo(target);
                return crc;
            }

            return Wire.Crc32C.CopyAndAppend(crc, source, target);
        }
    }

    /// <summary>Releases this reference; the buffers go back to the pool with the last one.</summary>
    public void Dispose()
    {
        if (ReferenceEquals(this, Empty) || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Piece piece in Pieces())
        {
            piece.Block?.Release();
        }
    }

    private static MessageBuffer Reference(List<Piece> pieces, int length)
    {
        if (length == 0)
        {
            return Empty;
        }

        foreach (Piece piece in pieces)
        {
            piece.Block!.AddReference();
        }

        return pieces.Count == 1 ? new MessageBuffer(pieces[0], length) : new MessageBuffer([.. pieces], length);
    }

    private ReadOnlySpan<Piece> Pieces() => _pieces ?? (_single.Block is null ? [] : new ReadOnlySpan<Piece>(in _single));

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private static ReadOnlySequence<byte> BuildSequence(Piece[] pieces)
    {
        var first = new SequencePiece(pieces[0].Block!.Array.AsMemory(pieces[0].Offset, pieces[0].Length), 0);
        SequencePiece last = first;
        for (int i = 1; i < pieces.Length; i++)
        {
            last = last.Append(pieces[i].Block!.Array.AsMemory(pieces[i].Offset, pieces[i].Length));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>A slice of one pooled block.</summary>
    private readonly record struct Piece(PayloadBlock? Block, int Offset, int Length);

    private sealed class SequencePiece : ReadOnlySequenceSegment<byte>
    {
        public SequencePiece(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public SequencePiece Append(ReadOnlyMemory<byte> memory)
        {
            var next = new SequencePiece(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
