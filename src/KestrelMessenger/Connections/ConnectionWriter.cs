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
/// The one write loop of a connection: drains the <see cref="OutQueue"/> (control frames first, then
/// messages by priority), assigns seqs as messages are written so they stay consecutive whatever
/// the priority order, piggy-backs the ack, and batches many frames into one flush.
/// </summary>
internal sealed class ConnectionWriter(
    IConnectionOwner owner, OutQueue queue, Session session, ChannelReader<bool> wake, Func<ulong> features,
    Action<ConnectionFailure> close, Action written, FrameCodec codec)
{
    private const int MaxMessagesPerFlush = 64;
    private const long MaxUnflushedBytes = 256 * 1024;

    private readonly byte[] _header = new byte[MessageHeader.Length];

    public async Task RunAsync(PipeWriter output, CancellationToken ct)
    {
        using var scratch = new DencWriter(4096);
        using var control = new DencWriter(64);
        var messages = new List<Message>(MaxMessagesPerFlush);
        try
        {
            while (await wake.WaitToReadAsync(ct))
            {
                wake.TryRead(out _);
                bool more = true;
                while (more)
                {
                    OutQueue.Control due = queue.Drain(messages, MaxMessagesPerFlush);
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

                    for (int i = 0; i < messages.Count; i++)
                    {
                        Message message = messages[i];
                        messages[i] = null!; // written (and disposed) from here on, whatever happens
                        WriteMessage(output, scratch, message);
                        if (output.UnflushedBytes >= MaxUnflushedBytes)
                        {
                            await FlushAsync(output, ct);
                        }
                    }

                    more = messages.Count == MaxMessagesPerFlush;
                    messages.Clear();
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
            close(new ConnectionFailure(FailureKind.PeerClosed, "transport closed while sending"));
        }
        catch (Exception e)
        {
            // A message that cannot encode itself (a bug in a typed message) ends this connection, not the process.
            close(new ConnectionFailure(FailureKind.ProtocolError, $"failed to send: {e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            foreach (Message? message in messages)
            {
                message?.Dispose();
            }
        }
    }

    private void WriteMessage(PipeWriter output, DencWriter scratch, Message message)
    {
        long size = OutQueue.SizeOf(message);
        try
        {
            ReadOnlyMemory<byte> front = message.EncodeFront(scratch, features());
            if (!owner.FrameLimits.Fits(MessageHeader.Length, front.Length, message.Middle.Length, message.Data.Length))
            {
                // Sending it would only make a peer with our limits close the connection: drop this one message, loudly.
                MessengerLog.MessageTooLarge(owner.Logger, owner.Name, $"{message} (front {front.Length})", "peer");
                return;
            }

            message.Seq = ++session.OutSeq;
            var header = new MessageHeader
            {
                Seq = message.Seq,
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
            codec.Write(output, Tag.Message, _header, new ReadOnlySequence<byte>(front),
                new ReadOnlySequence<byte>(message.Middle.Memory), new ReadOnlySequence<byte>(message.Data.Memory));
            owner.Metrics.MessageSent(owner.Name, output.UnflushedBytes - before);
        }
        finally
        {
            // Lossy: once written it is gone. Lossless replay will keep it in the Session until acked.
            queue.Written(size);
            message.Dispose();
        }
    }

    private void WriteControl(PipeWriter output, DencWriter payload, IControlFrame frame)
    {
        payload.Reset();
        frame.Encode(payload);
        codec.WriteControl(output, frame.Tag, payload.WrittenSpan);
    }

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
