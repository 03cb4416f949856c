using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// One entry of an op vector (Ceph's <c>OSDOp</c>): the packed 38-byte <c>ceph_osd_op</c> (le16 op,
/// le32 flags, a 28-byte argument union, le32 payload_len) plus the op's in-data, out-data and result.
/// The union is kept as raw bytes, so ops this library has no view for still re-encode unchanged; the
/// typed properties read and write the extent and alloc-hint views of those bytes.
/// </summary>
public sealed class OsdOp
{
    /// <summary>Encoded size of <c>ceph_osd_op</c>.</summary>
    public const int EncodedSize = 38;

    /// <summary>Size of the argument union.</summary>
    public const int UnionSize = 28;

    private readonly byte[] _union = new byte[UnionSize];

    /// <summary>Creates an op with a zeroed argument union.</summary>
    public OsdOp(ushort code = 0, uint flags = 0)
    {
        Code = code;
        Flags = flags;
    }

    /// <summary>Op code (<see cref="OsdOpCode"/>).</summary>
    public ushort Code { get; set; }

    /// <summary>Per-op flags (<see cref="OsdOpFlags"/>).</summary>
    public uint Flags { get; set; }

    /// <summary>The 28-byte argument union as it is on the wire; the typed views below alias it.</summary>
    public Span<byte> RawUnion => _union;

    /// <summary>Extent view: byte offset.</summary>
    public ulong Offset { get => Get64(0); set => Set64(0, value); }

    /// <summary>Extent view: byte count (a read reply carries the count actually read).</summary>
    public ulong Length { get => Get64(8); set => Set64(8, value); }

    /// <summary>Extent view: truncate_size (file-system clients only; 0 otherwise).</summary>
    public ulong TruncateSize { get => Get64(16); set => Set64(16, value); }

    /// <summary>Extent view: truncate_seq (file-system clients only; 0 otherwise).</summary>
    public uint TruncateSeq { get => Get32(24); set => Set32(24, value); }

    /// <summary>Alloc-hint view: expected object size.</summary>
    public ulong ExpectedObjectSize { get => Get64(0); set => Set64(0, value); }

    /// <summary>Alloc-hint view: expected write size.</summary>
    public ulong ExpectedWriteSize { get => Get64(8); set => Set64(8, value); }

    /// <summary>Alloc-hint view: <c>CEPH_OSD_ALLOC_HINT_FLAG_*</c> bits.</summary>
    public uint AllocHintFlags { get => Get32(16); set => Set32(16, value); }

    /// <summary>
    /// payload_len as received: the length of this op's slice of the data segment (in-data in a request,
    /// out-data in a reply). Encoding writes the length of <see cref="InData"/> or <see cref="OutData"/> instead.
    /// </summary>
    public uint PayloadLength { get; set; }

    /// <summary>
    /// The op's input bytes (a write's data), in one piece. When decoded it is a slice of the message's data
    /// segment, valid only until that message is disposed (when its dispatch returns): copy what must
    /// outlive it. A large segment may arrive in pieces (see <see cref="MessageBuffer.IsSingleSegment"/>);
    /// an op whose bytes straddle two is copied into one array the first time this is read, so code that
    /// can take pieces reads <see cref="InBytes"/>. When sending, it is read when the message is encoded,
    /// on the connection's writer.
    /// </summary>
    public ReadOnlyMemory<byte> InData
    {
        get => _inPieces is { IsSingleSegment: false } pieces ? _inCopy ??= pieces.ToArray() : _inData;
        set
        {
            _inData = value;
            _inPieces = null;
            _inCopy = null;
        }
    }

    /// <summary>The op's input bytes as they lie, in one piece or several (no copy). Same lifetime as <see cref="InData"/>.</summary>
    public ReadOnlySequence<byte> InBytes => _inPieces ?? new ReadOnlySequence<byte>(_inData);

    /// <summary>
    /// The op's output bytes (a read's data, a stat's size and mtime), sent in the reply's data segment, in
    /// one piece (copied into one array on first read when they lie in pieces: see <see cref="OutBytes"/>).
    /// In a decoded reply it is a slice of that segment, valid until the reply is disposed. Setting it
    /// releases any <see cref="OutBuffer"/>.
    /// </summary>
    public ReadOnlyMemory<byte> OutData
    {
        get => _outPieces is { IsSingleSegment: false } pieces ? _outCopy ??= pieces.ToArray() : _outData;
        set
        {
            Interlocked.Exchange(ref _outBuffer, null)?.Dispose();
            SetView(new ReadOnlySequence<byte>(value), outData: true);
        }
    }

    /// <summary>The op's output bytes as they lie, in one piece or several (no copy). Same lifetime as <see cref="OutData"/>.</summary>
    public ReadOnlySequence<byte> OutBytes => _outPieces ?? new ReadOnlySequence<byte>(_outData);

    /// <summary>
    /// The buffer behind <see cref="OutBytes"/> when the out-data was handed over by reference
    /// (<see cref="SetOutData(MessageBuffer)"/>, for example a read answered from the bytes an OSD keeps):
    /// the reply takes it over, so the data goes out without a copy. Null otherwise.
    /// </summary>
    public MessageBuffer? OutBuffer => _outBuffer;

    /// <summary>
    /// Sets the out-data to <paramref name="data"/> (in one piece or several), taking over that reference
    /// (the op releases it, or hands it to the reply).
    /// </summary>
    public void SetOutData(MessageBuffer data)
    {
        ArgumentNullException.ThrowIfNull(data);
        OutData = default;
        SetView(data.Sequence, outData: true);
        _outBuffer = data;
    }

    /// <summary>Hands <see cref="OutBuffer"/> over to the caller (null when there is none); <see cref="OutBytes"/> stays as it was.</summary>
    internal MessageBuffer? TakeOutBuffer() => Interlocked.Exchange(ref _outBuffer, null);

    /// <summary>Points the in- or out-data at <paramref name="bytes"/> without copying or owning them.</summary>
    internal void SetView(in ReadOnlySequence<byte> bytes, bool outData)
    {
        ReadOnlySequence<byte>? pieces = bytes.IsSingleSegment ? null : bytes;
        ReadOnlyMemory<byte> whole = bytes.IsSingleSegment ? bytes.First : default;
        if (outData)
        {
            (_outData, _outPieces, _outCopy) = (whole, pieces, null);
        }
        else
        {
            (_inData, _inPieces, _inCopy) = (whole, pieces, null);
        }
    }

    private ReadOnlyMemory<byte> _inData;
    private ReadOnlySequence<byte>? _inPieces;
    private byte[]? _inCopy;
    private ReadOnlyMemory<byte> _outData;
    private ReadOnlySequence<byte>? _outPieces;
    private byte[]? _outCopy;
    private MessageBuffer? _outBuffer;

    /// <summary>The op's result in a reply: 0 or a negative errno.</summary>
    public int Rval { get; set; }

    /// <summary>An extent op (read, write, writefull, zero, truncate, append…).</summary>
    public static OsdOp Extent(ushort code, ulong offset, ulong length, uint flags = 0) =>
        new(code, flags) { Offset = offset, Length = length };

    /// <summary>An allocation hint, as <c>rados bench</c> sends before each write.</summary>
    public static OsdOp AllocHint(ulong expectedObjectSize, ulong expectedWriteSize, uint hintFlags, uint flags = OsdOpFlags.FailOk) =>
        new(OsdOpCode.SetAllocHint, flags) { ExpectedObjectSize = expectedObjectSize, ExpectedWriteSize = expectedWriteSize, AllocHintFlags = hintFlags };

    /// <inheritdoc />
    public override string ToString()
    {
        string name = OsdOpCode.Name(Code);
        if (OsdOpCode.UsesExtent(Code))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{name} {Offset}~{Length}");
        }

        return Code == OsdOpCode.SetAllocHint
            ? string.Create(CultureInfo.InvariantCulture, $"{name} object_size {ExpectedObjectSize} write_size {ExpectedWriteSize}")
            : name;
    }

    /// <summary>Writes the 38 bytes, with payload_len the length of the data the op carries in this message.</summary>
    internal void Encode(DencWriter writer, bool outData)
    {
        writer.WriteU16(Code);
        writer.WriteU32(Flags);
        writer.WriteBytes(_union);
        writer.WriteU32((uint)(outData ? OutBytes : InBytes).Length);
    }

    /// <summary>Reads the 38 bytes.</summary>
    internal static OsdOp Decode(ref DencReader reader)
    {
        var op = new OsdOp(reader.ReadU16(), reader.ReadU32());
        reader.ReadBytes(UnionSize).CopyTo(op._union);
        op.PayloadLength = reader.ReadU32();
        return op;
    }

    /// <summary>The op as a reply echoes it: same code, flags and arguments, its result and out-data, no in-data.</summary>
    internal OsdOp CopyForReply()
    {
        ReadOnlySequence<byte> outBytes = OutBytes;
        var copy = new OsdOp(Code, Flags) { Rval = Rval, PayloadLength = (uint)outBytes.Length };
        copy.SetView(outBytes, outData: true);
        _union.CopyTo(copy._union);
        return copy;
    }

    /// <summary>Points each op's in- or out-data at its payload_len bytes of <paramref name="data"/>, in op order (no copy).</summary>
    internal static void SliceData(List<OsdOp> ops, in ReadOnlySequence<byte> data, bool outData)
    {
        long at = 0;
        foreach (OsdOp op in ops)
        {
            if (op.PayloadLength > data.Length - at)
            {
                throw new DecodeException($"{op} has payload_len {op.PayloadLength} but only {data.Length - at} data bytes remain");
            }

            op.SetView(data.Slice(at, op.PayloadLength), outData);
            at += op.PayloadLength;
        }
    }

    /// <summary>
    /// The data segment for <paramref name="ops"/>: their in- or out-data concatenated in op order (as
    /// Ceph's merge of op data does). A shared reference to <paramref name="current"/> when it already is
    /// exactly that (a decoded message being re-sent, or a reply whose one carrier's buffer it took over),
    /// a new buffer otherwise. Neither the ops nor <paramref name="current"/> change.
    /// </summary>
    internal static MessageBuffer GatherData(List<OsdOp> ops, MessageBuffer current, bool outData)
    {
        long total = 0;
        bool inPlace = true;
        int carriers = 0;
        ReadOnlySequence<byte> only = default;
        ReadOnlySequence<byte> whole = current.Sequence;
        foreach (OsdOp op in ops)
        {
            ReadOnlySequence<byte> bytes = outData ? op.OutBytes : op.InBytes;
            if (bytes.IsEmpty)
            {
                continue;
            }

            inPlace &= total + bytes.Length <= whole.Length && IsSame(whole.Slice(total, bytes.Length), bytes);
            total += bytes.Length;
            carriers++;
            only = bytes;
        }

        if (inPlace && total == current.Length)
        {
            return current.Share();
        }

        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException($"the ops carry {total} data bytes, more than one segment can hold");
        }

        return carriers <= 1 ? MessageBuffer.CopyOf(only) : Concatenate(ops, (int)total, outData);
    }

    private static MessageBuffer Concatenate(List<OsdOp> ops, int total, bool outData) =>
        MessageBuffer.Create(total, (ops, outData), static (into, state) =>
        {
            foreach (OsdOp op in state.ops)
            {
                ReadOnlySequence<byte> bytes = state.outData ? op.OutBytes : op.InBytes;
                bytes.CopyTo(into);
                into = into[(int)bytes.Length..];
            }
        });

    // The same bytes in the same place: sequences over one buffer's memory compare by position.
    private static bool IsSame(in ReadOnlySequence<byte> a, in ReadOnlySequence<byte> b)
    {
        if (a.IsSingleSegment && b.IsSingleSegment)
        {
            return MemoryMarshal.TryGetArray(a.First, out ArraySegment<byte> x) && MemoryMarshal.TryGetArray(b.First, out ArraySegment<byte> y)
                && ReferenceEquals(x.Array, y.Array) && x.Offset == y.Offset && x.Count == y.Count;
        }

        return a.Start.Equals(b.Start) && a.End.Equals(b.End);
    }

    private ulong Get64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_union.AsSpan(at));

    private uint Get32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_union.AsSpan(at));

    private void Set64(int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_union.AsSpan(at), value);

    private void Set32(int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_union.AsSpan(at), value);
}
