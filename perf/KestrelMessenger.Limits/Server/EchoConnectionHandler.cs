using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using KestrelMessenger.Protocol;

namespace KestrelMessenger.Limits.Server;

/// <summary>
/// The raw Kestrel baseline: echoes <see cref="EchoFraming"/> frames. Like the messenger's loops it
/// parses every whole frame a read brought, writes the answers into the output pipe and flushes once per
/// read, so both servers batch alike and differ only in what msgr2 adds (header, CRCs or AES-GCM, acks,
/// message objects, dispatch).
/// </summary>
internal sealed class EchoConnectionHandler(ServerCounters counters) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool wrote = false;
                try
                {
                    while (EchoFraming.TryRead(ref buffer, out int length, out ReadOnlySequence<byte> payload))
                    {
                        if (length == EchoFraming.StatsRequest)
                        {
                            WriteSnapshot(output);
                        }
                        else
                        {
                            EchoFraming.WriteHeader(output, length);
                            foreach (ReadOnlyMemory<byte> segment in payload)
                            {
                                output.Write(segment.Span);
                            }

                            counters.Count(length);
                        }

                        wrote = true;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (wrote && (await output.FlushAsync()).IsCompleted)
                {
                    break;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or IOException or InvalidDataException)
        {
            // The driver closes its connections when it is done, possibly with requests in flight: not a
            // server failure, and nothing to report in a benchmark.
        }
    }

    private void WriteSnapshot(PipeWriter output)
    {
        EchoFraming.WriteHeader(output, ServerSnapshot.Size);
        counters.Snapshot(ConnectionMode.Unknown, 0).Write(output.GetSpan(ServerSnapshot.Size));
        output.Advance(ServerSnapshot.Size);
    }
}
