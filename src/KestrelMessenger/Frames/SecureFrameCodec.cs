using System.Buffers;
using KestrelMessenger.Messages;
using System.Security.Cryptography;

namespace KestrelMessenger.Frames;

/// <summary>
/// msgr2.1 (rev1) secure mode: every frame encrypted and authenticated with AES-128-GCM, no AAD,
/// 16-byte tags, laid out as <see cref="SecureFrameLayout"/> describes. One key serves both
/// directions; each direction has its own nonce, so send and receive run on separate
/// <see cref="AesGcm"/> instances and one reader and one writer may use the codec at once.
/// </summary>
/// <remarks>
/// Receive: <see cref="TryReadPreamble"/> decrypts the 96-byte first block once per frame (that uses
/// a nonce) and keeps the preamble and the inline bytes of segment 0 until <see cref="TryDecodeBody"/>
/// returns the frame. The frame's segments are slices of a plaintext buffer this codec owns and
/// reuses, valid until the next receive call. Padding and the epilogue's reserved bytes are
/// authenticated but otherwise ignored, as Ceph ignores them.
/// </remarks>
public sealed class SecureFrameCodec : FrameCodec, IDisposable
{
    /// <summary>The AES-128 key.</summary>
    public const int KeyLength = 16;

    /// <summary>Connection-secret bytes used: key, then the client's rx nonce, then the client's tx nonce.</summary>
    public const int MinimumSecretLength = KeyLength + (2 * GcmNonce.Length);

    // Buffers above this are given back when a much smaller frame follows, so one big frame does not
    // pin its plaintext buffer for the rest of the connection.
    private const int KeepBufferLength = 1 << 20;

    private readonly AesGcm _tx;
    private readonly AesGcm _rx;
    private readonly GcmNonce _txNonce;
    private readonly GcmNonce _rxNonce;

    // Receive state: the decrypted first block of the frame being read, and the body's plaintext.
    private readonly byte[] _head = new byte[SecureFrameLayout.FirstBlockPlaintextLength];
    private FramePreamble _preamble;
    private bool _havePreamble;
    private byte[] _body = [];

    // Bodies at least this long are decrypted into a buffer of their own for a caller that takes the
    // segments; shorter ones go through the reused buffer and are copied, which costs less than a rental.
    private const int OwnBodyLength = 64 * 1024;
    private bool _disposed;

    private SecureFrameCodec(ReadOnlySpan<byte> key, GcmNonce rxNonce, GcmNonce txNonce)
    {
        _tx = new AesGcm(key, SecureFrameLayout.TagLength);
        _rx = new AesGcm(key, SecureFrameLayout.TagLength);
        _rxNonce = rxNonce;
        _txNonce = txNonce;
    }

    /// <summary>
    /// The codec for one side of a connection. <paramref name="connectionSecret"/> is what the auth
    /// method produced (64 bytes from cephx in Pacific; the first 40 are used): key = [0..16),
    /// client rx nonce = [16..28), client tx nonce = [28..40). The server's nonces are the client's
    /// crossed (Ceph's <c>crossed = true</c>), so each side's tx nonce is the other's rx nonce.
    /// </summary>
    /// <exception cref="ArgumentException">The secret is shorter than <see cref="MinimumSecretLength"/> bytes.</exception>
    public static SecureFrameCodec FromConnectionSecret(ReadOnlySpan<byte> connectionSecret, bool isServer)
    {
        if (connectionSecret.Length < MinimumSecretLength)
        {
            throw new ArgumentException(
                $"a secure-mode connection secret needs at least {MinimumSecretLength} bytes (key and two nonces); got {connectionSecret.Length}",
                nameof(connectionSecret));
        }

        var clientRx = new GcmNonce(connectionSecret.Slice(KeyLength, GcmNonce.Length));
        var clientTx = new GcmNonce(connectionSecret.Slice(KeyLength + GcmNonce.Length, GcmNonce.Length));
        ReadOnlySpan<byte> key = connectionSecret[..KeyLength];
        return isServer ? new SecureFrameCodec(key, rxNonce: clientTx, txNonce: clientRx) : new SecureFrameCodec(key, rxNonce: clientRx, txNonce: clientTx);
    }

    /// <summary>Test hook: a codec whose nonces are given directly (e.g. a tx counter about to wrap).</summary>
    internal static SecureFrameCodec FromNonces(ReadOnlySpan<byte> key, GcmNonce rxNonce, GcmNonce txNonce) => new(key, rxNonce, txNonce);

    /// <summary>Test hook: the counters the next receive and send operations will use.</summary>
    internal (ulong Rx, ulong Tx) Counters => (_rxNonce.Counter, _txNonce.Counter);

    /// <summary>Benchmark hook: the receive counter back to <paramref name="rx"/>, so one pre-encoded frame can be decoded repeatedly.</summary>
    internal void RewindReceive(ulong rx) => _rxNonce.Rewind(rx);

    /// <inheritdoc />
    public override bool IsSecure => true;

    /// <inheritdoc />
    public override int PreambleBlockLength => SecureFrameLayout.PreambleBlockLength;

    /// <inheritdoc />
    public override long FrameLength(in FramePreamble preamble) => SecureFrameLayout.FrameLength(preamble);

    /// <inheritdoc />
    /// <remarks>
    /// The first block is decrypted once; until <see cref="TryDecodeBody"/> returns the frame, further
    /// calls (with the same buffer start) return the kept preamble and use no nonce.
    /// </remarks>
    public override bool TryReadPreamble(in ReadOnlySequence<byte> input, out FramePreamble preamble)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_havePreamble)
        {
            preamble = _preamble;
            return true;
        }

        preamble = default;
        if (input.Length < SecureFrameLayout.PreambleBlockLength)
        {
            return false;
        }

        ReadOnlySequence<byte> block = input.Slice(0, SecureFrameLayout.PreambleBlockLength);
        Span<byte> copy = stackalloc byte[SecureFrameLayout.PreambleBlockLength];
        ReadOnlySpan<byte> wire = block.IsSingleSegment ? block.FirstSpan : Gather(block, copy);
        Open(wire[..SecureFrameLayout.FirstBlockPlaintextLength], wire[SecureFrameLayout.FirstBlockPlaintextLength..], _head, "preamble block");

        preamble = FrameDecoder.ReadPreamble(_head.AsSpan(0, FrameLayout.PreambleLength));
        _preamble = preamble;
        _havePreamble = true;
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Throws <see cref="FrameException"/> with <see cref="FrameError.BadAuthTag"/> when a block fails authentication.</remarks>
    public override bool TryDecodeBody(in ReadOnlySequence<byte> input, in FramePreamble preamble, out Frame frame, out long length,
        bool takeSegments = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_havePreamble)
        {
            throw new InvalidOperationException("TryDecodeBody needs the preamble TryReadPreamble returned for this frame");
        }

        FramePreamble p = _preamble;
        frame = default;
        length = SecureFrameLayout.FrameLength(p);
        if (input.Length < length)
        {
            return false;
        }

        _havePreamble = false; // whatever happens next, this frame's first block is spent
        long rest = SecureFrameLayout.Segment0RestLength(p.Len0);
        long tail = SecureFrameLayout.TailLength(p.SegmentCount, p.Len1, p.Len2, p.Len3);
        long seg0Plain = rest > 0 ? SecureFrameLayout.InlineLength + rest : 0;
        if (seg0Plain + tail > Array.MaxLength)
        {
            throw new FrameException(FrameError.SegmentTooLong, $"a secure frame of {seg0Plain + tail} plaintext bytes is larger than one buffer can hold");
        }

        bool ownBody = takeSegments && tail >= OwnBodyLength;
        byte[] body = BodyBuffer((int)(seg0Plain + (ownBody ? 0 : tail)));
        long offset = SecureFrameLayout.PreambleBlockLength;

        ReadOnlySequence<byte> s0;
        if (rest > 0)
        {
            _head.AsSpan(FrameLayout.PreambleLength, SecureFrameLayout.InlineLength).CopyTo(body);
            OpenInto(input.Slice(offset, rest + SecureFrameLayout.TagLength), body.AsSpan(SecureFrameLayout.InlineLength, (int)rest), "segment 0 block");
            offset += rest + SecureFrameLayout.TagLength;
            s0 = new ReadOnlySequence<byte>(body, 0, (int)p.Len0);
        }
        else
        {
            s0 = new ReadOnlySequence<byte>(_head, FrameLayout.PreambleLength, (int)p.Len0);
        }

        ReadOnlySequence<byte> s1 = default, s2 = default, s3 = default;
        bool aborted = false;
        MessageBuffer? owned = null;
        if (tail > 0)
        {
            ReadOnlySequence<byte> sealedTail = input.Slice(offset, tail + SecureFrameLayout.TagLength);
            ReadOnlyMemory<byte> plain;
            if (ownBody)
            {
                // Decrypted straight into a buffer the message will share: the one copy a large segment gets.
                owned = MessageBuffer.Create((int)tail, (this, sealedTail), static (into, state) => state.Item1.OpenInto(state.sealedTail, into, "segments block"));
                plain = owned.Memory;
            }
            else
            {
                Memory<byte> into = body.AsMemory((int)seg0Plain, (int)tail);
                OpenInto(sealedTail, into.Span, "segments block");
                plain = into;
            }

            int at = 0;
            s1 = new ReadOnlySequence<byte>(plain.Slice(at, (int)p.Len1));
            at += (int)SecureFrameLayout.Padded(p.Len1);
            s2 = new ReadOnlySequence<byte>(plain.Slice(at, (int)p.Len2));
            at += (int)SecureFrameLayout.Padded(p.Len2);
            s3 = new ReadOnlySequence<byte>(plain.Slice(at, (int)p.Len3));

            // Only late_status's low nibble means anything (Ceph's check_epilogue_late_status); the
            // other 15 bytes are reserved and, being authenticated, need no further check.
            byte lateStatus = plain.Span[^SecureFrameLayout.EpilogueLength];
            byte late = (byte)(lateStatus & 0x0F);
            if (late == FrameLayout.LateStatusAborted)
            {
                aborted = true;
            }
            else if (late != FrameLayout.LateStatusComplete)
            {
                owned?.Dispose();
                throw new FrameException(FrameError.BadLateStatus, $"epilogue late_status 0x{lateStatus:x2} is neither complete nor aborted");
            }
        }

        frame = new Frame(p.Tag, p.SegmentCount, s0, s1, s2, s3, aborted, body: owned);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each block is laid out in a span of <paramref name="output"/> and encrypted there in place, so
    /// the segments are copied once, as in crc mode. Segments 1..3 share one GCM operation and hence
    /// one contiguous span. Throws <see cref="InvalidOperationException"/> (before writing anything)
    /// when the frame would need a nonce past the point where the counter wraps.
    /// </remarks>
    public override void Write(IBufferWriter<byte> output, Tag tag, ReadOnlySpan<byte> segment0,
        in ReadOnlySequence<byte> segment1, in ReadOnlySequence<byte> segment2, in ReadOnlySequence<byte> segment3)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> first = output.GetSpan(SecureFrameLayout.PreambleBlockLength)[..SecureFrameLayout.PreambleBlockLength];
        int count = FrameEncoder.WritePreamble(first, tag, segment0.Length, segment1.Length, segment2.Length, segment3.Length);
        long tail = SecureFrameLayout.TailLength(count, segment1.Length, segment2.Length, segment3.Length);
        if (tail + SecureFrameLayout.TagLength > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(segment3), "segments 1..3 of a secure frame are encrypted as one block and must fit one buffer");
        }

        if (!_txNonce.CanTake(SecureFrameLayout.OperationCount(count, segment0.Length)))
        {
            throw new InvalidOperationException(GcmNonce.OutOfNonces);
        }

        // Block 1: preamble + inline segment 0 + zero pad.
        int inline = Math.Min(segment0.Length, SecureFrameLayout.InlineLength);
        Span<byte> firstPlain = first[..SecureFrameLayout.FirstBlockPlaintextLength];
        segment0[..inline].CopyTo(firstPlain[FrameLayout.PreambleLength..]);
        firstPlain[(FrameLayout.PreambleLength + inline)..].Clear();
        Seal(firstPlain, first[SecureFrameLayout.FirstBlockPlaintextLength..]);
        output.Advance(SecureFrameLayout.PreambleBlockLength);

        // Block 2: the rest of segment 0, padded.
        if (segment0.Length > SecureFrameLayout.InlineLength)
        {
            ReadOnlySpan<byte> rest = segment0[SecureFrameLayout.InlineLength..];
            int padded = (int)SecureFrameLayout.Padded(rest.Length);
            Span<byte> block = output.GetSpan(padded + SecureFrameLayout.TagLength)[..(padded + SecureFrameLayout.TagLength)];
            rest.CopyTo(block);
            block[rest.Length..padded].Clear();
            Seal(block[..padded], block[padded..]);
            output.Advance(block.Length);
        }

        // Block 3: segments 1..3, each padded, and the epilogue.
        if (tail > 0)
        {
            int plainLength = (int)tail;
            Span<byte> block = output.GetSpan(plainLength + SecureFrameLayout.TagLength)[..(plainLength + SecureFrameLayout.TagLength)];
            int at = CopyPadded(segment1, block, 0);
            at = CopyPadded(segment2, block, at);
            at = CopyPadded(segment3, block, at);
            Span<byte> epilogue = block.Slice(at, SecureFrameLayout.EpilogueLength);
            epilogue.Clear();
            epilogue[0] = FrameLayout.LateStatusComplete;
            Seal(block[..plainLength], block[plainLength..]);
            output.Advance(block.Length);
        }
    }

    /// <summary>Disposes both ciphers and drops the receive buffers (cleared: they held plaintext).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _tx.Dispose();
        _rx.Dispose();
        Array.Clear(_head);
        ReturnBody();
    }

    private static int CopyPadded(in ReadOnlySequence<byte> segment, Span<byte> block, int at)
    {
        segment.CopyTo(block[at..]);
        int end = at + (int)SecureFrameLayout.Padded(segment.Length);
        block[(at + (int)segment.Length)..end].Clear();
        return end;
    }

    private static ReadOnlySpan<byte> Gather(in ReadOnlySequence<byte> source, Span<byte> into)
    {
        source.CopyTo(into);
        return into[..(int)source.Length];
    }

    private void Seal(Span<byte> plaintext, Span<byte> tag)
    {
        Span<byte> iv = stackalloc byte[GcmNonce.Length];
        _txNonce.Take(iv);
        _tx.Encrypt(iv, plaintext, plaintext, tag);
    }

    /// <summary>Decrypts one block (ciphertext then tag, as a sequence) into <paramref name="plain"/>, in place when the block is not contiguous.</summary>
    private void OpenInto(in ReadOnlySequence<byte> block, Span<byte> plain, string what)
    {
        ReadOnlySequence<byte> cipher = block.Slice(0, plain.Length);
        ReadOnlySequence<byte> tagBytes = block.Slice(plain.Length);
        Span<byte> tag = stackalloc byte[SecureFrameLayout.TagLength];
        tagBytes.CopyTo(tag);
        if (cipher.IsSingleSegment)
        {
            Open(cipher.FirstSpan, tag, plain, what);
        }
        else
        {
            cipher.CopyTo(plain);
            Open(plain, tag, plain, what);
        }
    }

    private void Open(ReadOnlySpan<byte> cipher, ReadOnlySpan<byte> tag, Span<byte> plain, string what)
    {
        // The nonce is spent whether or not the tag verifies; a failure closes the connection anyway.
        Span<byte> iv = stackalloc byte[GcmNonce.Length];
        _rxNonce.Next(iv);
        try
        {
            _rx.Decrypt(iv, cipher, tag, plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new FrameException(FrameError.BadAuthTag,
                $"secure frame {what} failed AES-GCM authentication (tampered, or the nonces are out of step)");
        }
    }

    private byte[] BodyBuffer(int length)
    {
        if (length > _body.Length || (_body.Length > KeepBufferLength && length < _body.Length / 4))
        {
            ReturnBody();
            _body = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        }

        return _body;
    }

    private void ReturnBody()
    {
        if (_body.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_body, clearArray: true);
        }

        _body = [];
    }
}
