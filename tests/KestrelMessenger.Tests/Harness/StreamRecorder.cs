using System.Collections.Concurrent;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Tests.Harness;

/// <summary>
/// Receives a stream of messages numbered by tid and audits it (lost, duplicated, reordered), with the
/// header seqs and the connection events, for the lossless-session tests.
/// </summary>
public class StreamRecorder : IDispatcher
{
    public SequenceAudit Audit { get; } = new();

    public ConcurrentQueue<ulong> Seqs { get; } = new();

    public ConcurrentQueue<(string Event, IConnection Connection)> Events { get; } = new();

    public int Count(string name) => Events.Count(e => e.Event == name);

    public ValueTask<bool> DispatchAsync(Message message)
    {
        Seqs.Enqueue(message.Seq);
        Audit.Record((long)message.Tid);
        return ValueTask.FromResult(true);
    }

    public void HandleConnect(IConnection connection) => Events.Enqueue(("connect", connection));

    public void HandleAccept(IConnection connection) => Events.Enqueue(("accept", connection));

    public bool HandleReset(IConnection connection)
    {
        Events.Enqueue(("reset", connection));
        return true;
    }

    public void HandleRemoteReset(IConnection connection) => Events.Enqueue(("remote_reset", connection));

    public bool HandleRefused(IConnection connection)
    {
        Events.Enqueue(("refused", connection));
        return true;
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
