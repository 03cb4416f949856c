using System.Buffers;
using System.IO.Pipelines;

namespace KestrelMessenger.Transport.Capture;

/// <summary>Wraps a connection's pipes so every byte consumed from the input and written to the output is recorded.</summary>
internal sealed class CapturingDuplexPipe(IDuplexPipe inner, ConnectionCapture capture) : IDuplexPipe
{
    public PipeReader Input { get; } = new Reader(inner.Input, capture);

    public PipeWriter Output { get; } = new Writer(inner.Output, capture);

    private sealed class Reader(PipeReader inner, ConnectionCapture capture) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            // Each byte is recorded once, when it is consumed: the next read starts at `consumed`.
            capture.RecordReceived(_last.Slice(_last.Start, consumed));
            inner.AdvanceTo(consumed, examined);
        }

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ReadResult result = await inner.ReadAsync(cancellationToken);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            bool read = inner.TryRead(out result);
            if (read)
            {
                _last = result.Buffer;
            }

            return read;
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    private sealed class Writer(PipeWriter inner, ConnectionCapture capture) : PipeWriter
    {
        private Memory<byte> _last;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            capture.RecordSent(_last.Span[..bytes]);
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
