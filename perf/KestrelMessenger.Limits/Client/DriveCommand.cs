using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace KestrelMessenger.Limits.Client;

/// <summary>
/// The client process of one measurement: start the loops, warm up, then a measured window bracketed by
/// the process's own counters and the server's (asked just outside the window, so the queries are not in
/// it), stop, drain, print one RESULT line.
/// </summary>
internal static class DriveCommand
{
    public static async Task<int> RunAsync(DriveOptions options)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.Timeout));
        var window = new LoadWindow();
        using AllocationSampler? sampler = options.AllocTypes ? new AllocationSampler() : null;
        ILoadClient client = options.Kind == ServerKind.Echo ? new EchoLoadClient(options, window) : new MessengerLoadClient(options, window);
        try
        {
            await client.StartAsync(deadline.Token);
            Console.WriteLine($"drive: {options.Kind.Name()} {options.Shape}, {options.Connections} connections x {options.Inflight} in flight, {options.Size} B; {client.Security}");
            if (options.Warmup > 0)
            {
                await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(options.Warmup), deadline.Token), client.Failed);
            }

            IReadOnlyList<LoopRecorder> loops = client.Loops;
            ServerSnapshot server0 = await QueryAsync(client, deadline.Token);
            ClientSnapshot client0 = ClientSnapshot.Take(loops);
            sampler?.Start();
            window.Begin();
            Task ended = await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(options.Seconds), deadline.Token), client.Failed);
            window.Stop();
            ClientSnapshot client1 = ClientSnapshot.Take(loops);
            sampler?.Stop();
            if (ended == client.Failed)
            {
                throw new LoadFailure(client.Failed.Result);
            }

            ServerSnapshot server1 = await QueryAsync(client, deadline.Token);
            bool drained = await client.DrainAsync(TimeSpan.FromSeconds(5));
            var latency = new LatencyHistogram();
            foreach (LoopRecorder loop in loops)
            {
                latency.Add(loop.Latency);
            }

            foreach (string line in sampler?.Report(client1.Completed - client0.Completed) ?? [])
            {
                Console.WriteLine($"client {line}");
            }

            Console.WriteLine(Result(options, client0, client1, server0, server1, latency));
            if (!drained)
            {
                Console.Error.WriteLine("warning: requests were still in flight 5 s after the window");
            }

            return 0;
        }
        catch (Exception e) when (e is LoadFailure or OperationCanceledException or IOException or System.Net.Sockets.SocketException
            or InvalidDataException or InvalidOperationException)
        {
            string reason = e is OperationCanceledException ? $"--timeout {options.Timeout} s reached" : e.Message;
            Console.Error.WriteLine($"error: {options.Kind.Name()} {options.Shape}: {reason}");
            return 2;
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>The server's counters, unless a connection has failed (then no answer would come).</summary>
    private static async Task<ServerSnapshot> QueryAsync(ILoadClient client, CancellationToken cancellationToken)
    {
        if (client.Failed.IsCompleted)
        {
            throw new LoadFailure(client.Failed.Result);
        }

        Task<ServerSnapshot> query = client.QueryServerAsync(cancellationToken);
        return await Task.WhenAny(query, client.Failed) == query ? await query : throw new LoadFailure(client.Failed.Result);
    }

    /// <summary>
    /// One line of key=value pairs for the script. Rates are per second of the window; MB is 10^6 bytes of
    /// payload in one direction (the request's: an echo moves as much back); B/msg is each process's
    /// allocation in the window over the requests it completed or served in it.
    /// </summary>
    private static string Result(DriveOptions o, ClientSnapshot c0, ClientSnapshot c1, ServerSnapshot s0, ServerSnapshot s1, LatencyHistogram latency)
    {
        double seconds = Stopwatch.GetElapsedTime(c0.Timestamp, c1.Timestamp).TotalSeconds;
        long messages = c1.Completed - c0.Completed;
        long served = s1.Messages - s0.Messages;
        return string.Create(CultureInfo.InvariantCulture,
            $"RESULT kind={o.Kind.Name()} shape={o.Shape} size={o.Size} connections={o.Connections} inflight={o.Inflight} seconds={seconds:0.000} "
            + $"messages={messages} msg_per_s={messages / seconds:0.0} mb_per_s={messages * (double)o.Size / seconds / 1e6:0.00} "
            + $"p50_us={latency.Percentile(0.50):0.0} p99_us={latency.Percentile(0.99):0.0} "
            + $"client_b_per_msg={PerMessage(c1.AllocatedBytes - c0.AllocatedBytes, messages):0.00} "
            + $"server_b_per_msg={PerMessage(s1.AllocatedBytes - s0.AllocatedBytes, served):0.00} "
            + $"client_gc={c1.Gen0 - c0.Gen0}/{c1.Gen1 - c0.Gen1}/{c1.Gen2 - c0.Gen2} server_gc={s1.Gen0 - s0.Gen0}/{s1.Gen1 - s0.Gen1}/{s1.Gen2 - s0.Gen2} "
            + $"server_mb={(s1.PayloadBytes - s0.PayloadBytes) / 1e6:0.0} gc_mode={(GCSettings.IsServerGC ? "server" : "workstation")}");
    }

    private static double PerMessage(long bytes, long messages) => messages > 0 ? (double)bytes / messages : double.NaN;

    /// <summary>The driver process's counters at one edge of the window.</summary>
    private readonly record struct ClientSnapshot(long Timestamp, long Completed, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
    {
        public static ClientSnapshot Take(IReadOnlyList<LoopRecorder> loops)
        {
            long completed = 0;
            foreach (LoopRecorder loop in loops)
            {
                completed += loop.Completed;
            }

            return new(Stopwatch.GetTimestamp(), completed, GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        }
    }
}
