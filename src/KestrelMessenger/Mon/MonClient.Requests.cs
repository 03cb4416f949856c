using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>The request half of the MonClient: mon commands and version queries, resent on a new session.</summary>
public sealed partial class MonClient
{
    /// <summary>Runs a monitor command, one JSON object such as <c>{"prefix":"status","format":"json"}</c>.</summary>
    public Task<MonCommandResult> CommandAsync(string command, CancellationToken cancellationToken = default) =>
        CommandAsync([command], ReadOnlyMemory<byte>.Empty, timeout: null, cancellationToken);

    /// <summary>
    /// Ceph's <c>start_mon_command</c>: sends <paramref name="command"/> (with <paramref name="input"/> as its
    /// input data) to the monitor of the session, waiting for one if need be, and resends it to the next
    /// monitor when the session is lost before the answer. Ends with the monitor's result code, status
    /// and output; with <see cref="Errno.ETIMEDOUT"/> when no answer came within <paramref name="timeout"/>
    /// (default <see cref="MonClientOptions.OpTimeout"/>), or <see cref="Errno.ECANCELED"/> when the client
    /// stops. Only <paramref name="cancellationToken"/> throws (<see cref="OperationCanceledException"/>).
    /// </summary>
    public Task<MonCommandResult> CommandAsync(IReadOnlyList<string> command, ReadOnlyMemory<byte> input, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var op = new CommandOp(NextTid(), [.. command], input.ToArray());
        Start(op, timeout, cancellationToken);
        return op.Done.Task;
    }

    /// <summary>
    /// Ceph's <c>get_version</c>: the newest and oldest epoch of <paramref name="what"/> ("osdmap", "mdsmap",
    /// "fsmap" …) on the monitors. Resent on a new session (Ceph 16.2 fails it with -EAGAIN instead; the
    /// request is idempotent). Throws <see cref="MonClientException"/> with <see cref="Errno.ETIMEDOUT"/>
    /// past <see cref="MonClientOptions.OpTimeout"/>, or <see cref="Errno.ECANCELED"/> when the client stops.
    /// </summary>
    public Task<MonMapVersion> GetVersionAsync(string what, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(what);
        var op = new VersionOp(NextTid(), what);
        Start(op, timeout: null, cancellationToken);
        return op.Done.Task;
    }

    private ulong NextTid() => Interlocked.Increment(ref _lastTid);

    private void Start(MonOp op, TimeSpan? timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        TimeSpan limit = timeout ?? _options.OpTimeout;
        bool limited = limit > TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan;
        IConnection? session;
        Guid fsid;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                op.Fail(Errno.ECANCELED, "the monitor client stopped");
                return;
            }

            // Kept before anything can end it, so the timer or the token always finds it.
            _ops[op.Tid] = op;
            session = _sessionReady ? _session : null;
            fsid = _monmap?.Fsid ?? Guid.Empty;
        }

        if (limited || ct.CanBeCanceled)
        {
            op.Timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
            op.Registration = op.Timer.Token.Register(() =>
            {
                if (Remove(op.Tid) is null)
                {
                    return; // answered meanwhile
                }

                if (ct.IsCancellationRequested)
                {
                    op.Cancel(ct);
                }
                else
                {
                    op.Fail(Errno.ETIMEDOUT, "timed out");
                }
            });
            if (limited)
            {
                op.Timer.CancelAfter(limit);
            }
        }

        session?.SendMessage(op.Build(fsid));
    }

    private MonOp? Remove(ulong tid)
    {
        lock (_lock)
        {
            return _ops.Remove(tid, out MonOp? op) ? op : null;
        }
    }

    /// <summary>Ceph's <c>handle_mon_command_ack</c>: a tid of 0 answers the oldest command.</summary>
    private void HandleCommandAck(MMonCommandAck ack)
    {
        MonOp? op;
        lock (_lock)
        {
            ulong tid = ack.Tid;
            if (tid == 0)
            {
                tid = _ops.Values.OfType<CommandOp>().FirstOrDefault()?.Tid ?? 0;
            }

            op = _ops.Remove(tid, out MonOp? found) && found is CommandOp ? found : null;
        }

        (op as CommandOp)?.Complete(new MonCommandResult(ack.Result, ack.Status, System.Buffers.BuffersExtensions.ToArray(ack.Data.Sequence)));
    }

    private void HandleVersionReply(MMonGetVersionReply reply)
    {
        MonOp? op;
        lock (_lock)
        {
            op = _ops.Remove(reply.Handle, out MonOp? found) && found is VersionOp ? found : null;
        }

        (op as VersionOp)?.Complete(new MonMapVersion(reply.MapVersion, reply.OldestMapVersion));
    }

    /// <summary>A request to the monitors, kept until answered so a new session can resend it.</summary>
    private abstract class MonOp(ulong tid)
    {
        public ulong Tid { get; } = tid;

        public CancellationTokenSource? Timer { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>A fresh message for one send (a message is consumed by sending it).</summary>
        public abstract Message Build(Guid fsid);

        public abstract void Fail(int errno, string why);

        public abstract void Cancel(CancellationToken ct);

        protected void Finish()
        {
            Registration.Dispose();
            Timer?.Dispose();
        }
    }

    private sealed class CommandOp(ulong tid, List<string> command, byte[] input) : MonOp(tid)
    {
        public TaskCompletionSource<MonCommandResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Message Build(Guid fsid)
        {
            var m = new MMonCommand { Tid = Tid, Fsid = fsid };
            m.Command.AddRange(command);
            if (input.Length > 0)
            {
                m.Data = MessageBuffer.CopyOf(input);
            }

            return m;
        }

        public void Complete(MonCommandResult result)
        {
            Finish();
            Done.TrySetResult(result);
        }

        public override void Fail(int errno, string why) => Complete(new MonCommandResult(errno, why, ReadOnlyMemory<byte>.Empty));

        public override void Cancel(CancellationToken ct)
        {
            Finish();
            Done.TrySetCanceled(ct);
        }
    }

    private sealed class VersionOp(ulong tid, string what) : MonOp(tid)
    {
        public TaskCompletionSource<MonMapVersion> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Message Build(Guid fsid) => new MMonGetVersion { Handle = Tid, What = what };

        public void Complete(MonMapVersion version)
        {
            Finish();
            Done.TrySetResult(version);
        }

        public override void Fail(int errno, string why)
        {
            Finish();
            Done.TrySetException(new MonClientException(errno, $"get_version {what}: {why}"));
        }

        public override void Cancel(CancellationToken ct)
        {
            Finish();
            Done.TrySetCanceled(ct);
        }
    }
}
