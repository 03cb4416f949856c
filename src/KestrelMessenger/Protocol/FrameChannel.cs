using System.Buffers;
using System.IO.Pipelines;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>A control frame as received during the handshake: its tag and an owned copy of segment 0.</summary>
public readonly record struct ControlFrameData(Tag Tag, byte[] Payload)
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
/// </summary>
public sealed class FrameChannel(IDuplexPipe transport, FrameLimits limits)
{
    private readonly DencWriter _payload = new(256);
    private ArrayBufferWriter<byte>? _sent;
    private ArrayBufferWriter<byte>? _received;

    /// <summary>Bytes written so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes read so far.</summary>
    public long BytesReceived { get; private set; }

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
            FrameEncoder.WriteControl(_sent, frame.Tag, _payload.WrittenSpan);
            transport.Output.Write(_sent.WrittenSpan[start..]);
        }
        else
        {
            FrameEncoder.WriteControl(transport.Output, frame.Tag, _payload.WrittenSpan);
        }

        BytesSent += transport.Output.UnflushedBytes - before;
        FlushResult result = await transport.Output.FlushAsync(cancellationToken);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new ProtocolException("peer closed the connection during the handshake");
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
                if (FrameDecoder.TryDecode(buffer, limits, out Frame frame, out long length))
                {
                    // Only this frame is examined: the next one may already be buffered behind it.
                    consumed = examined = buffer.GetPosition(length);
                    BytesReceived += length;
                    if (_received is not null)
                    {
                        foreach (ReadOnlyMemory<byte> part in buffer.Slice(0, length))
                        {
                            _received.Write(part.Span);
                        }
                    }

                    if (frame.Aborted)
                    {
                        continue;
                    }

                    if (frame.Tag is Tag.Message or Tag.Keepalive2 or Tag.Keepalive2Ack or Tag.Ack)
                    {
                        throw new ProtocolException($"{frame.Tag} frame received before the session is READY");
                    }

                    if (!Enum.IsDefined(frame.Tag) || frame.Tag is Tag.CompressionRequest or Tag.CompressionDone)
                    {
                        throw new ProtocolException($"unknown or unsupported frame tag {(byte)frame.Tag}");
                    }

                    if (frame.SegmentCount != 1)
                    {
                        throw new ProtocolException($"control frame {frame.Tag} has {frame.SegmentCount} segments");
                    }

                    return new ControlFrameData(frame.Tag, frame.Segment0.ToArray());
                }

                if (result.IsCompleted)
                {
                    throw new ProtocolException(buffer.IsEmpty
                        ? "peer closed the connection during the handshake"
                        : $"peer closed the connection mid-frame ({buffer.Length} of {length} bytes)");
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
}
