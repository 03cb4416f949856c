using System.IO.Pipelines;
using KestrelMessenger.Connections;
using KestrelMessenger.Diagnostics;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// <c>ms_inject_socket_failures</c> as connection middleware, first in the chain so it sits on the socket:
/// every read and every flush of writes rolls the connection's dice, and one in N fails the socket
/// (the peer sees a reset, we see a transport error), at any point of the banner, handshake or READY.
/// </summary>
internal sealed class FaultInjectionMiddleware(ConnectionDelegate next, Messenger messenger, FaultInjection injection)
{
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        var dice = new Dice(connection, messenger, injection.Options.SocketFailures, injection.ForConnection());
        IDuplexPipe inner = connection.Transport;
        connection.Transport = new InjectingPipe(new FailingReader(inner.Input, dice), new FailingWriter(inner.Output, dice));
        return next(connection);
    }

    /// <summary>One connection's dice: after a hit, every operation fails.</summary>
    private sealed class Dice(ConnectionContext connection, Messenger messenger, int every, Random random)
    {
        private readonly object _lock = new();
        private bool _failed;

        public void Roll()
        {
            lock (_lock)
            {
                if (!_failed && random.Next(every) != 0)
                {
                    return;
                }

                if (!_failed)
                {
                    _failed = true;
                    MessengerLog.InjectedSocketFailure(messenger.Logger, messenger.Name, connection.RemoteEndPoint?.ToString() ?? "?", every);
                    messenger.Metrics.InjectedFailure(messenger.Name);
                    connection.Abort(new ConnectionAbortedException("injected socket failure"));
                }
            }

            throw new ConnectionResetException("injected socket failure (ms_inject_socket_failures)");
        }
    }

    private sealed record InjectingPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class FailingReader(PipeReader inner, Dice dice) : PipeReader
    {
        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ReadResult result = await inner.ReadAsync(cancellationToken);
            if (!result.IsCompleted && !result.IsCanceled)
            {
                try
                {
                    dice.Roll();
                }
                catch
                {
                    inner.AdvanceTo(result.Buffer.Start);
                    throw;
                }
            }

            return result;
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    private sealed class FailingWriter(PipeWriter inner, Dice dice) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            dice.Roll();
            return inner.FlushAsync(cancellationToken);
        }

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
