using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Connections;

/// <summary>
/// The one write loop of a connection: drains the <see cref="OutQueue"/> (control frames first, then
/// messages by priority), assigns seqs as messages are written so they stay consecutive whatever
/// the priority order, piggy-backs the ack, and batches many frames into one flush.
/// </summary>
internal sealed class ConnectionWriter(
    IConnectionOwner owner, OutQueue queue, Session session, ChannelReader<bool> wake, Func<ulong> features, Action<CloseKind, string> close)
{
    private const int MaxMessagesPerFlush = 64;
    private const long MaxUnflushedBytes = 256 * 1024;

    private readonly byte[] _header = new byte[MessageHeader.Length];

    public async Task RunAsync(PipeWriter output, CancellationToken ct)
    {
        using var scratch = new DencWriter(4096);
        using var control = new DencWriter(64);
        var keepaliveAcks = new List<UTime>();
        var keepalives = new List<UTime>();
        var messages = new List<Message>(MaxMessagesPerFlush);
        try
        {
            while (await wake.WaitToReadAsync(ct))
            {
                wake.TryRead(out _);
                bool more = true;
                while (more)
                {
                    queue.Drain(keepaliveAcks, keepalives, messages, MaxMessagesPerFlush, out bool ack);
                    foreach (UTime stamp in keepaliveAcks)
                    {
                        WriteControl(output, control, new Keepalive2AckFrame(stamp));
                    }

                    foreach (UTime stamp in keepalives)
                    {
                        WriteControl(output, control, new Keepalive2Frame(stamp));
                    }

                    if (ack)
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
                    keepaliveAcks.Clear();
                    keepalives.Clear();
                    messages.Clear();
                }

                await FlushAsync(output, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            close(CloseKind.Reset, e.Message);
        }
        catch (Exception e)
        {
            // A message that cannot encode itself (a bug in a typed message) ends this connection, not the process.
            close(CloseKind.Fault, $"failed to send: {e.GetType().Name}: {e.Message}");
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
        try
        {
            ReadOnlyMemory<byte> front = message.EncodeFront(scratch, features());
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
            FrameEncoder.Write(output, Tag.Message, _header, new ReadOnlySequence<byte>(front),
                new ReadOnlySequence<byte>(message.Middle.Memory), new ReadOnlySequence<byte>(message.Data.Memory));
            owner.Metrics.MessageSent(owner.Name, output.UnflushedBytes - before);
        }
        finally
        {
            // Lossy: once written it is gone. Lossless replay will keep it in the Session until acked.
            message.Dispose();
        }
    }

    private static void WriteControl(PipeWriter output, DencWriter payload, IControlFrame frame)
    {
        payload.Reset();
        frame.Encode(payload);
        FrameEncoder.WriteControl(output, frame.Tag, payload.WrittenSpan);
    }

    private static async ValueTask FlushAsync(PipeWriter output, CancellationToken ct)
    {
        FlushResult result = await output.FlushAsync(ct);
        if (result.IsCompleted)
        {
            throw new ConnectionAbortedException("transport closed");
        }
    }
}
