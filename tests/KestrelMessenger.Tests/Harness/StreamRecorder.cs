using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Tests.Harness;

/// <summary>
/// Receives a stream of messages numbered by tid and audits it (lost, duplicated, reordered), with the
/// header seqs and the connection events, for the lossless-session tests.
/// </summary>
public class StreamRecorder : EventRecorder
{
    public SequenceAudit Audit { get; } = new();

    public ConcurrentQueue<ulong> Seqs { get; } = new();

    public override ValueTask<bool> DispatchAsync(Message message)
    {
        Seqs.Enqueue(message.Seq);
        Audit.Record((long)message.Tid);
        return ValueTask.FromResult(true);
    }

    public Task WaitForAsync(long count, TimeSpan? timeout = null) => Eventually.UntilAsync(
        () => Audit.Received >= count,
        timeout ?? TimeSpan.FromSeconds(60),
        () => $"received {Audit.Received} of {count}: {Audit.Report(count)}");

    /// <summary>The seqs delivered, as runs of consecutive numbers ("1-500, 1-20" after a reset).</summary>
    public string SeqRuns()
    {
        var runs = new List<string>();
        ulong start = 0, last = 0;
        foreach (ulong s in Seqs)
        {
            if (start != 0 && s == last + 1)
            {
                last = s;
                continue;
            }

            if (start != 0)
            {
                runs.Add($"{start}-{last}");
            }

            start = last = s;
        }

        if (start != 0)
        {
            runs.Add($"{start}-{last}");
        }

        return string.Join(", ", runs);
    }
}

/// <summary>One recorder type per messenger, so each gets its own singleton.</summary>
public sealed class StreamA : StreamRecorder;

/// <inheritdoc />
public sealed class StreamB : StreamRecorder;
