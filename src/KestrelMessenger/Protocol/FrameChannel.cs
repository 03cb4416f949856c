using System.Buffers;
using System.IO.Pipelines;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>A control frame as received during the handshake: its tag and segment 0.</summary>
public readonly record struct ControlFrameData(Tag Tag, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Decodes the payload as <typeparamref name="T"/>, checking the tag.</summary>
    public T As<T>() where T : IControlFrame<T>
    {
        if (Tag != T.FrameTag)
        {
            throw new ProtocolException($"expected {T.FrameTag} but got {Tag}");
        }

        return ControlFrame.Decode<T>(Payload);
    }
}

/// <summary>
/// Reads and writes the handshake's control frames over a connection's pipes, optionally
/// recording every byte in each direction (the pre-auth capture that AUTH_SIGNATURE signs).
/// Until the peer's AUTH_SIGNATURE is verified, frames are held to the small pre-auth limits, so an
/// unauthenticated peer can make us buffer a few tens of KiB at most; each frame is judged from its
/// preamble (is it legal now, does it fit) before its body is waited for.
/// </summary>
public sealed class FrameChannel(IDuplexPipe transport, FrameLimits limits, FrameLimits preAuthLimits)
{
    private readonly DencWriter _payload = new(256);
    private ArrayBufferWriter<byte>? _sent;
    private ArrayBufferWriter<byte>? _received;
    private bool _authenticated;
    private FrameCodec _codec = CrcFrameCodec.Instance;

    /// <summary>Bytes written so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes read so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>How frames are protected now: crc until AUTH_DONE, then what the mode says.</summary>
    public FrameCodec Codec => _codec;

    /// <summary>Switches both directions to <paramref name="codec"/> (right after AUTH_DONE, as Ceph does).</summary>
    public void UseCodec(FrameCodec codec) => _codec = codec;

    /// <summary>The limits frames are held to now.</summary>
    public FrameLimits Limits => _authenticated ? limits : preAuthLimits;

    /// <summary>The peer proved who it is (its AUTH_SIGNATURE checked out): the full limits apply from here on.</summary>
    public void MarkAuthenticated() => _authenticated = true;

    /// <summary>Starts recording, seeded with bytes already exchanged (the banners).</summary>
    public void StartCapture(ReadOnlySpan<byte> alreadySent, ReadOnlySpan<byte> alreadyReceived)
    {
        _sent = new ArrayBufferWriter<byte>();
        _received = new ArrayBufferWriter<byte>();
        _sent.Write(alreadySent);
        _received.Write(alreadyReceived);
    }

    /// <summary>Stops recording and returns what was sent and received.</summary>
    public (byte[] Sent, byte[] Received) StopCapture()
    {
        byte[] sent = _sent?.WrittenSpan.ToArray() ?? [];
        byte[] received = _received?.WrittenSpan.ToArray() ?? [];
        _sent = _received = null;
        return (sent, received);
    }

    /// <summary>Writes one control frame and flushes.</summary>
    public async ValueTask WriteAsync(IControlFrame frame, CancellationToken cancellationToken)
    {
        _payload.Reset();
        frame.Encode(_payload);
        long before = transport.Output.UnflushedBytes;
        if (_sent is not null)
        {
            int start = _sent.WrittenCount;
            _codec.WriteControl(_sent, frame.Tag, _payload.WrittenSpan);
            transport.Output.Write(_sent.WrittenSpan[start..]);
        }
        else
        {
            _codec.WriteControl(transport.Output, frame.Tag, _payload.WrittenSpan);
        }

        BytesSent += transport.Output.UnflushedBytes - before;
        FlushResult result = await transport.Output.FlushAsync(cancellationToken);
        if (result.IsCompleted)
        {
            throw new ProtocolException($"peer closed the connection during the handshake (while we sent {frame.Tag})", FailureKind.PeerClosed);
        }

        if (result.IsCanceled)
        {
            throw new ProtocolException("handshake cancelled locally", FailureKind.Local);
        }
    }

    /// <summary>Reads the next control frame (aborted frames are skipped, as Ceph skips them).</summary>
    public async ValueTask<ControlFrameData> ReadAsync(CancellationToken cancellationToken)
    {
        PipeReader input = transport.Input;
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start;
            SequencePosition examined = buffer.End;
            try
            {
                if (TryTakeFrame(buffer, out ControlFrameData? frame, out long length))
                {
                    // Only this frame is examined: the next one may already be buffered behind it.
                    consumed = examined = buffer.GetPosition(length);
                    if (frame is ControlFrameData complete)
                    {
                        return complete;
                    }

                    continue; // aborted by the sender
                }

                if (result.IsCompleted)
                {
                    throw new ProtocolException(buffer.IsEmpty
                        ? "peer closed the connection during the handshake"
                        : $"peer closed the connection mid-frame ({buffer.Length} of {length} bytes)", FailureKind.PeerClosed);
                }
            }
            catch (FrameException e)
            {
                throw new ProtocolException(e.Message);
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/> (null when the sender aborted it);
    /// false with the bytes needed while it is incomplete. Legality and size come from the preamble.
    /// </summary>
    private bool TryTakeFrame(in ReadOnlySequence<byte> buffer, out ControlFrameData? frame, out long length)
    {
        frame = null;
        length = _codec.PreambleBlockLength;
        if (!_codec.TryReadPreamble(buffer, out FramePreamble preamble))
        {
            return false;
        }

        if (FrameRules.Violation(preamble, ProtocolPhase.Handshake) is string violation)
        {
            throw new ProtocolException(violation);
        }

        Limits.Check(preamble);
        if (!_codec.TryDecodeBody(buffer, preamble, out Frame decoded, out length))
        {
            return false;
        }

        BytesReceived += length;
        ReadOnlyMemory<byte> payload;
        if (_received is not null && !_codec.IsSecure)
        {
            // The capture keeps the frame's bytes anyway: the payload is a view of them, not another copy.
            int start = _received.WrittenCount;
            foreach (ReadOnlyMemory<byte> part in buffer.Slice(0, length))
            {
                _received.Write(part.Span);
            }

            payload = _received.WrittenMemory.Slice(start + FrameLayout.PreambleLength, (int)preamble.Len0);
        }
        else
        {
            payload = decoded.Segment0.ToArray();
        }

        frame = decoded.Aborted ? null : new ControlFrameData(decoded.Tag, payload);
        return true;
    }
}
