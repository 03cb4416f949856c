using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// One raw echo connection in a closed loop: K frames written up front, then every reply frame writes
/// the next, with one flush per read (as the messenger's writer batches). Replies come back in order, so
/// the send times live in a ring of K: reply n belongs to request n. Allocation-free once running.
/// </summary>
internal sealed class EchoConnectionLoop(ConnectionContext connection, byte[] payload, int inflight, LoadWindow window)
{
    private readonly long[] _sentAt = new long[inflight];
    private long _sent;
    private long _answered;

    public LoopRecorder Recorder { get; } = new(window);

    public async Task RunAsync()
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        for (int i = 0; i < inflight; i++)
        {
            WriteRequest(output);
        }

        await output.FlushAsync();
        int outstanding = inflight;
        while (outstanding > 0)
        {
            ReadResult result = await input.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool wrote = false;
            try
            {
                while (EchoFraming.TryRead(ref buffer, out int length, out _))
                {
                    if (length != payload.Length)
                    {
                        throw new InvalidDataException($"the echo server answered {payload.Length} bytes with {length}");
                    }

                    Recorder.Complete(_sentAt[_answered++ % inflight], Stopwatch.GetTimestamp());
                    if (window.Stopping)
                    {
                        outstanding--;
                    }
                    else
                    {
                        WriteRequest(output);
                        wrote = true;
                    }
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (wrote)
            {
                await output.FlushAsync();
            }

            if (result.IsCompleted && outstanding > 0)
            {
                throw new IOException($"the echo server closed the connection with {outstanding} requests unanswered");
            }
        }
    }

    private void WriteRequest(PipeWriter output)
    {
        // Timed from the moment the request is handed over, as the messenger client times from SendMessage.
        _sentAt[_sent++ % inflight] = Stopwatch.GetTimestamp();
        EchoFraming.WriteHeader(output, payload.Length);
        output.Write(payload);
    }
}
