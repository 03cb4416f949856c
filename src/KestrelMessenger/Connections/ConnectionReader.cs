using System.Buffers;
using System.IO.Pipelines;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// The one read loop of a READY connection: takes frames off the transport while the connection's
/// throttle and the messenger's dispatch queue have room, judges each from its preamble (legal in
/// READY, within the limits) before its body is buffered, and hands messages on in order. It ends with
/// the reason the connection must close; it never throws (a bug of ours is logged and closes the connection).
/// </summary>
internal sealed class ConnectionReader(MessengerConnection connection, IConnectionOwner owner, ConnectionThrottle throttle, FrameCodec codec)
{
    /// <summary>
    /// Segments from this long are adopted where the socket put them rather than copied. An adopted block
    /// is held whole while any message holds part of it, so a short segment would keep up to two 64 KiB
    /// blocks for a few bytes; from 256 KiB the partial blocks at its ends are at most a third of what is held.
    /// </summary>
    internal const int AdoptAtLeast = 4 * BlockMemoryPool.BlockSize;

    public async Task<ConnectionFailure> RunAsync(PipeReader input, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await throttle.WaitForRoomAsync(ct);
                await owner.WaitForDispatchRoomAsync(ct);
                ReadResult result = await input.ReadAsync(ct);
                connection.Touch();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool needMore = false;
                try
                {
                    while (throttle.HasRoom && owner.HasDispatchRoom)
                    {
                        if (!TryTakeFrame(buffer, out long length))
                        {
                            needMore = true;
                            break;
                        }

                        buffer = buffer.Slice(length);
                    }

                    if (needMore && (result.IsCompleted || result.IsCanceled))
                    {
                        return buffer.IsEmpty
                            ? new ConnectionFailure(FailureKind.PeerClosed, "peer closed the connection")
                            : new ConnectionFailure(FailureKind.PeerClosed, $"peer closed the connection mid-frame ({buffer.Length} bytes of a frame)");
                    }
                }
                finally
                {
                    // Paused by a throttle, the frames still buffered have not been looked at: the next
                    // read must return them at once rather than wait for more bytes.
                    input.AdvanceTo(buffer.Start, needMore ? buffer.End : buffer.Start);
                }
            }
        }
        catch (ProtocolException e)
        {
            return e.Failure;
        }
        catch (Exception e) when (e is FrameException or DecodeException)
        {
            return new ConnectionFailure(FailureKind.ProtocolError, e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new ConnectionFailure(FailureKind.Local, "closed locally");
        }
        catch (Exception e) when (HandshakeFailures.IsTransportGone(e) || e is OperationCanceledException)
        {
            return e is Microsoft.AspNetCore.Connections.ConnectionAbortedException or ObjectDisposedException
                ? new ConnectionFailure(FailureKind.Local, "connection aborted locally")
                : new ConnectionFailure(FailureKind.PeerClosed, "peer reset the connection");
        }
        catch (Exception e)
        {
            // A bug of ours, not the peer's doing: say so loudly, and still close this connection cleanly.
            MessengerLog.ReaderFailed(owner.Logger, e, owner.Name, connection.PeerName.ToString());
            return new ConnectionFailure(FailureKind.ProtocolError, $"internal error reading from the peer: {e.GetType().Name}");
        }
    }

    /// <summary>Takes and handles one frame; false (nothing consumed) while it is incomplete.</summary>
    private bool TryTakeFrame(in ReadOnlySequence<byte> buffer, out long length)
    {
        length = codec.PreambleBlockLength;
        if (!codec.TryReadPreamble(buffer, out FramePreamble preamble))
        {
            return false;
        }

        if (FrameRules.Violation(preamble, ProtocolPhase.Ready) is string violation)
        {
            throw new ProtocolException(violation);
        }

        owner.FrameLimits.Check(preamble);
        // A message's segments are checked as they are copied out (one pass over a large data segment).
        if (!codec.TryDecodeBody(buffer, preamble, out Frame frame, out length, takeSegments: preamble.Tag == Tag.Message))
        {
            return false;
        }

        try
        {
            if (!frame.Aborted)
            {
                Handle(frame, length);
            }
        }
        finally
        {
            frame.Body?.Dispose(); // the message holds its own references to what it shares
        }

        return true;
    }

    private void Handle(in Frame frame, long length)
    {
        switch (frame.Tag)
        {
            case Tag.Message:
                HandleMessage(frame, length);
                break;
            case Tag.Keepalive2:
                connection.KeepaliveReceived(ControlFrame.Decode<Keepalive2Frame>(Contiguous(frame.Segment0, stackalloc byte[UTime.EncodedSize])).Timestamp);
                break;
            case Tag.Keepalive2Ack:
                connection.KeepaliveAcked(ControlFrame.Decode<Keepalive2AckFrame>(Contiguous(frame.Segment0, stackalloc byte[UTime.EncodedSize])).Timestamp);
                break;
            case Tag.Ack:
                connection.Acked(ControlFrame.Decode<AckFrame>(Contiguous(frame.Segment0, stackalloc byte[sizeof(ulong)])).Seq);
                break;
        }
    }

    private void HandleMessage(in Frame frame, long length)
    {
        if (frame.Segment0.Length != MessageHeader.Length)
        {
            throw new ProtocolException($"message header is {frame.Segment0.Length} bytes, not {MessageHeader.Length}");
        }

        MessageHeader header = MessageHeader.Read(Contiguous(frame.Segment0, stackalloc byte[MessageHeader.Length]));
        Session session = connection.Session;
        ulong inSeq = session.InSeq;
        if (header.Seq <= inSeq)
        {
            MessengerLog.DiscardedOldMessage(owner.Logger, owner.Name, header.Seq, connection.PeerName.ToString(), inSeq);
            return;
        }

        if (header.Seq > inSeq + 1)
        {
            MessengerLog.MessageSeqGap(owner.Logger, owner.Name, header.Seq, connection.PeerName.ToString(), inSeq);
        }

        MessageBuffer front = TakeSegment(frame, 1);
        MessageBuffer middle = TakeSegment(frame, 2, front);
        MessageBuffer data = TakeSegment(frame, 3, front, middle);
        connection.Acked(header.AckSeq);
        Message message;
        try
        {
            message = owner.Registry.Decode(header, front, middle, data);
        }
        catch (DecodeException e)
        {
            throw new ProtocolException($"failed to decode {MessageTypes.Name(header.Type)} (type {header.Type}) seq {header.Seq}: {e.Message}");
        }

        session.InSeq = header.Seq;
        message.HoldThrottle(throttle, length);
        connection.Received(message, length);
    }

    /// <summary>
    /// Takes segment <paramref name="index"/> out of the frame into a buffer the message keeps. In crc mode its
    /// CRC is checked before anything else sees the bytes (and kept with them, for sending them on); on a
    /// mismatch the segments already taken are released. A large data segment the socket received into the
    /// messenger's block pool is adopted where it lies; any other is copied once, its CRC computed in the
    /// same pass.
    /// Only the data segment is adopted (fronts are decoded as one span); a typed message that reads its
    /// data as memory takes it in one piece (<see cref="MessageBuffer.InOnePiece"/>), or reads it as a sequence.
    /// </summary>
    private static MessageBuffer TakeSegment(in Frame frame, int index, params ReadOnlySpan<MessageBuffer> taken)
    {
        if (frame.Body is MessageBuffer body && body.TryShare(frame.Segment(index).First, out MessageBuffer? shared))
        {
            return shared; // decrypted into a buffer of its own: shared, not copied
        }

        ReadOnlySequence<byte> bytes = frame.Segment(index);
        if (frame.UncheckedCrcs is not SegmentCrcs crcs)
        {
            return MessageBuffer.CopyOf(bytes);
        }

        MessageBuffer buffer;
        uint crc;
        if (index == 3 && bytes.Length >= AdoptAtLeast && MessageBuffer.TryAdopt(bytes, out MessageBuffer? adopted))
        {
            buffer = adopted;
            crc = Crc32C.Segment(bytes);
        }
        else
        {
            buffer = MessageBuffer.CopyOf(bytes, out crc);
        }

        try
        {
            crcs.Check(index, crc);
            return buffer.WithSegmentCrc(crc);
        }
        catch
        {
            buffer.Dispose();
            foreach (MessageBuffer t in taken)
            {
                t.Dispose();
            }

            throw;
        }
    }

    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> segment, Span<byte> scratch)
    {
        if (segment.IsSingleSegment)
        {
            return segment.FirstSpan;
        }

        if (segment.Length > scratch.Length)
        {
            throw new ProtocolException($"control payload of {segment.Length} bytes where {scratch.Length} were expected");
        }

        Span<byte> target = scratch[..(int)segment.Length];
        segment.CopyTo(target);
        return target;
    }
}
