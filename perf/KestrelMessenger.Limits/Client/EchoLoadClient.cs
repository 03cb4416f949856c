using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using KestrelMessenger.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// The raw echo client: its connections come from the library's <see cref="SocketConnectionFactory"/>
/// (Kestrel's <c>SocketConnectionContextFactory</c>), the very transport a messenger dials with, so both
/// clients have the same sockets, pipes and memory pool. A separate connection carries the stats queries,
/// so they never queue behind the loops' frames.
/// </summary>
internal sealed class EchoLoadClient(DriveOptions options, LoadWindow window) : ILoadClient
{
    private readonly SocketConnectionFactory _factory = new(NullLoggerFactory.Instance);
    private readonly List<ConnectionContext> _connections = [];
    private readonly List<EchoConnectionLoop> _loops = [];
    private readonly List<Task> _running = [];
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionContext? _control;

    public IReadOnlyList<LoopRecorder> Loops => [.. _loops.Select(l => l.Recorder)];

    public string Security => "raw TCP, length-prefixed frames";

    public Task<string> Failed => _failed.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new IPEndPoint(IPAddress.Loopback, options.Port);
        byte[] payload = new byte[options.Size];
        new Random(42).NextBytes(payload);
        for (int i = 0; i < options.Connections; i++)
        {
            ConnectionContext connection = await _factory.ConnectAsync(server, cancellationToken);
            _connections.Add(connection);
            _loops.Add(new EchoConnectionLoop(connection, payload, options.Inflight, window));
        }

        _control = await _factory.ConnectAsync(server, cancellationToken);
        foreach (EchoConnectionLoop loop in _loops)
        {
            _running.Add(Watch(loop.RunAsync()));
        }
    }

    public async Task<ServerSnapshot> QueryServerAsync(CancellationToken cancellationToken)
    {
        PipeWriter output = _control!.Transport.Output;
        PipeReader input = _control.Transport.Input;
        EchoFraming.WriteHeader(output, EchoFraming.StatsRequest);
        await output.FlushAsync(cancellationToken);
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (EchoFraming.TryRead(ref buffer, out _, out ReadOnlySequence<byte> payload))
            {
                ServerSnapshot snapshot = ServerSnapshot.Read(payload.ToArray());
                input.AdvanceTo(buffer.Start);
                return snapshot;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the echo server closed the control connection");
            }
        }
    }

    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Task all = Task.WhenAll(_running);
        return await Task.WhenAny(all, Task.Delay(timeout)) == all;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ConnectionContext connection in _control is null ? _connections : [.. _connections, _control])
        {
            await connection.DisposeAsync();
        }

        _factory.Dispose();
    }

    private async Task Watch(Task loop)
    {
        try
        {
            await loop;
        }
        catch (Exception e)
        {
            _failed.TrySetResult($"echo connection failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
