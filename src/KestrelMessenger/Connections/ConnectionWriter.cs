using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// The one write loop of a socket: drains the session's <see cref="OutQueue"/> (control frames first, then
/// replayed messages, then new ones by priority), assigns seqs as messages are written so they stay
/// consecutive whatever the priority order, piggy-backs the ack, and batches many frames into one
/// flush. A lossless session keeps each message it writes until the peer acknowledges it, and stops
/// taking new ones while too many are unacknowledged (the peer's acks wake it again).
/// </summary>
internal sealed class ConnectionWriter(
    IConnectionOwner owner, OutQueue queue, Session session, ChannelReader<bool> wake, ulong features, bool lossless,
    ThrottleLimits limits, Action<ConnectionFailure> fault, Action written, FrameCodec codec)
{
    private const int MaxMessagesPerFlush = 64;
    private const long MaxUnflushedBytes = 256 * 1024;

    private readonly byte[] _header = new byte[MessageHeader.Length];

    public async Task RunAsync(PipeWriter output, CancellationToken ct)
    {
        using var scratch = new DencWriter(4096);
        using var control = new DencWriter(64);
        var items = new List<OutItem>(MaxMessagesPerFlush);
        try
        {
            while (await wake.WaitToReadAsync(ct))
            {
                wake.TryRead(out _);
                bool more = true;
                while (more)
                {
                    int room = Room();
                    OutQueue.Control due = queue.Drain(items, room);
                    if (due.KeepaliveAck is UTime ackStamp)
                    {
                        WriteControl(output, control, new Keepalive2AckFrame(ackStamp));
                    }

                    if (due.Keepalive is UTime stamp)
                    {
                        WriteControl(output, control, new Keepalive2Frame(stamp));
                    }

                    if (due.Ack)
                    {
                        WriteControl(output, control, new AckFrame(session.InSeq));
                    }

                    for (int i = 0; i < items.Count; i++)
                    {
                        OutItem item = items[i];
                        items[i] = default; // written (or kept by the session) from here on, whatever happens
                        WriteMessage(output, scratch, item);
                        if (output.UnflushedBytes >= MaxUnflushedBytes)
                        {
                            await FlushAsync(output, ct);
                        }
                    }

                    more = items.Count == room && room > 0;
                    items.Clear();
                }

                await FlushAsync(output, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (HandshakeFailures.IsTransportGone(e) || e is OperationCanceledException)
        {
            // Our words, not the pipe's ("Writing is not allowed after writer was completed.").
            fault(new ConnectionFailure(FailureKind.PeerClosed, "transport closed while sending"));
        }
        catch (Exception e)
        {
            // A message that cannot encode itself (a bug in a typed message) ends this socket, not the process.
            fault(new ConnectionFailure(FailureKind.ProtocolError, $"failed to send: {e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            // Taken but not written: a lossless session sends them on its next socket, in the same order;
            // a lossy one drops them with the socket, as Ceph drops its out_q.
            List<OutItem> unwritten = items.Where(i => i.Fresh is not null || i.Replay is not null).ToList();
            if (unwritten.Count > 0 && (!lossless || !queue.ReturnUnwritten(unwritten)))
            {
                foreach (OutItem item in unwritten)
                {
                    queue.Written(item.Size);
                    item.Fresh?.Dispose();
                    item.Replay?.Dispose();
                }
            }
        }
    }

    /// <summary>How many messages may be taken now: a lossless session holds at most the out-queue limits unacknowledged.</summary>
    private int Room()
    {
        if (!lossless)
        {
            return MaxMessagesPerFlush;
        }

        int room = limits.OutQueueMessages - session.Unacked;
        return session.UnackedBytes >= limits.OutQueueBytes ? 0 : Math.Clamp(room, 0, MaxMessagesPerFlush);
    }

    /// <summary>
    /// Writes one message. A replay goes under the seq it was first sent with; a new message takes the
    /// next seq now (so priority order keeps seqs consecutive). A lossless session keeps what it writes,
    /// encoded, until acknowledged (kept before it is written, as Ceph does: an ack can only name what is
    /// already kept); a lossy one writes straight from the message and lets it go.
    /// </summary>
    private void WriteMessage(PipeWriter output, DencWriter scratch, OutItem item)
    {
        try
        {
            if (item.Replay is OutgoingMessage replay)
            {
                owner.Metrics.MessageReplayed(owner.Name);
                session.Sent(replay);
                WriteFrame(output, replay.Seq, replay.Wire);
                return;
            }

            Message fresh = item.Fresh!;
            if (lossless)
            {
                OutgoingMessage kept;
                try
                {
                    kept = fresh.Encode(scratch, features);
                }
                finally
                {
                    fresh.Dispose();
                }

                if (!Fits(kept.Wire))
                {
                    kept.Dispose();
                    return;
                }

                kept.Seq = ++session.OutSeq;
                session.Sent(kept);
                WriteFrame(output, kept.Seq, kept.Wire);
                return;
            }

            MessageBuffer? gathered = null;
            try
            {
                WireMessage wire = fresh.Borrow(scratch, features, out gathered);
                if (Fits(wire))
                {
                    WriteFrame(output, ++session.OutSeq, wire);
                }
            }
            finally
            {
                gathered?.Dispose();
                fresh.Dispose();
            }
        }
        finally
        {
            queue.Written(item.Size);
        }
    }

    /// <summary>Sending a message longer than the frame limits would only make a peer with our limits close the connection: drop it, loudly.</summary>
    private bool Fits(in WireMessage message)
    {
        if (owner.FrameLimits.Fits(MessageHeader.Length, message.Front.Length, message.Middle.Length, message.Data.Length))
        {
            return true;
        }

        MessengerLog.MessageTooLarge(owner.Logger, owner.Name, message.ToString(), "peer");
        return false;
    }

    private void WriteFrame(PipeWriter output, ulong seq, in WireMessage message)
    {
        var header = new MessageHeader
        {
            Seq = seq,
            Tid = message.Tid,
            Type = message.Type,
            Priority = message.Priority,
            Version = message.Version,
            DataOffset = message.DataOffset,
            AckSeq = session.InSeq,
            Flags = MessageHeader.DefaultFlags,
            CompatVersion = message.CompatVersion,
        };
        header.Write(_header);
        long before = output.UnflushedBytes;
        codec.WriteMessage(output, _header, message.Front, message.Middle, message.Data);
        owner.Metrics.MessageSent(owner.Name, output.UnflushedBytes - before);
    }

    private void WriteControl(PipeWriter output, DencWriter payload, IControlFrame frame)
    {
        payload.Reset();
        frame.Encode(payload);
        codec.WriteControl(output, frame.Tag, payload.WrittenSpan);
    }

    // Pooled: a flush that waits for the socket would otherwise allocate its state machine every time.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync(PipeWriter output, CancellationToken ct)
    {
        FlushResult result = await output.FlushAsync(ct);
        if (result.IsCompleted)
        {
            throw new InvalidOperationException("transport closed");
        }

        written();
    }
}
