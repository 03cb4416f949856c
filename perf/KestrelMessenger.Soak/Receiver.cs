using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Testing;

namespace KestrelMessenger.Soak;

/// <summary>
/// The receiving process's dispatcher: audits the stream, reports progress, and the audit when the stream
/// ends. With <see cref="CutEvery"/> set, it cuts its sockets after a random number of messages received
/// (1 to 2N-1, N on average), counted one by one as they arrive.
/// </summary>
internal sealed class Receiver : IDispatcher
{
    private const long ProgressEvery = 250;
    private readonly Random _dice = new(2);
    private long _untilCut = -1;

    public SequenceAudit Audit { get; } = new();

    public SocketCutter Cutter { get; } = new();

    public int CutEvery { get; set; }

    public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

    public bool CanFastDispatch(Message message) => message.Type is SoakMessages.Data or SoakMessages.Done;

    public void FastDispatch(Message message)
    {
        if (message.Type == SoakMessages.Done)
        {
            message.Connection?.SendMessage(SoakMessages.ReportOf(Audit.Report((long)message.Tid), Cutter.Cuts));
            return;
        }

        Audit.Record((long)message.Tid);
        if (CutEvery > 0)
        {
            if (_untilCut < 0)
            {
                _untilCut = _dice.Next(1, 2 * CutEvery);
            }

            if (--_untilCut == 0)
            {
                Cutter.CutAll();
                _untilCut = _dice.Next(1, 2 * CutEvery);
            }
        }

        long received = Audit.Received;
        if (received % ProgressEvery == 0)
        {
            message.Connection?.SendMessage(new Message(SoakMessages.Progress) { Tid = (ulong)received });
        }
    }
}

/// <summary>The sending process's dispatcher: the receiver's progress and its final report.</summary>
internal sealed class SenderInbox : IDispatcher
{
    private long _progress;

    public long Progress => Interlocked.Read(ref _progress);

    public TaskCompletionSource<(SequenceReport Audit, int Cuts)> Report { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released on each progress report, for the sender's window.</summary>
    public SemaphoreSlim Moved { get; } = new(0);



    public ValueTask<bool> DispatchAsync(Message message) => ValueTask.FromResult(false);

    public bool CanFastDispatch(Message message) => message.Type is SoakMessages.Progress or SoakMessages.Report;

    public void FastDispatch(Message message)
    {
        if (message.Type == SoakMessages.Report)
        {
            Report.TrySetResult(SoakMessages.ReadReport(message));
            return;
        }

        long now = (long)message.Tid;
        long seen;
        while ((seen = Interlocked.Read(ref _progress)) < now && Interlocked.CompareExchange(ref _progress, now, seen) != seen)
        {
        }

        Moved.Release();
    }
}
