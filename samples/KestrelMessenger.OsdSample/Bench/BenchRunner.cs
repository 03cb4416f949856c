using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Bench;

/// <summary>
/// The load generator: an objecter messenger writes N objects (set-alloc-hint + write, as `rados
/// bench` does) to their primaries with T ops in flight, then reads them back and checks them.
/// </summary>
public static class BenchRunner
{
    private const long Pool = 1;

    /// <summary>Runs the write phase then the read phase against the OSDs in <paramref name="map"/>.</summary>
    public static async Task<BenchReport> RunAsync(OsdMap map, BenchSettings settings, TextWriter progress, CancellationToken ct, IMessengerTransport? transport = null)
    {
        await using var objecter = new Objecter(transport);

        string prefix = $"bench_{Environment.ProcessId}_{Random.Shared.Next():x}_";
        PhaseResult write = await RunPhaseAsync("write", settings, settings.Objects, i => WriteOp(objecter, prefix, i, settings.Size), (i, r) => r.Result == 0, map, objecter, progress, ct);
        long written = write.Ops - write.Errors;
        // With a time budget the read phase cycles over what was written until the budget is spent.
        long reads = settings.PhaseLimit > TimeSpan.Zero ? long.MaxValue : written;
        PhaseResult read = written == 0
            ? new PhaseResult("read", 0, 0, TimeSpan.Zero, [], 0)
            : await RunPhaseAsync("read", settings, reads, i => ReadOp(objecter, prefix, i % written), (i, r) => IsExpectedRead(i % written, r, settings.Size), map, objecter, progress, ct);
        return new BenchReport(write, read);
    }

    private static async Task<PhaseResult> RunPhaseAsync(string name, BenchSettings settings, long count, Func<long, MOSDOp> build, Func<long, MOSDOpReply, bool> check,
        OsdMap map, Objecter objecter, TextWriter progress, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        long done = 0, errors = 0, bytes = 0;
        using var slots = new SemaphoreSlim(settings.InFlight);
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        // A live line on a terminal; one line a second when the output goes to a file or a pipe.
        bool live = !Console.IsOutputRedirected;
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(live ? 250 : 1000));
        Task display = ShowProgressAsync(ticker, () => $"  {name,-6} {Interlocked.Read(ref done),9} ops {Interlocked.Read(ref done) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),9:0} ops/s", progress, live);

        for (long i = 0; i < count && !ct.IsCancellationRequested; i++)
        {
            if (settings.PhaseLimit > TimeSpan.Zero && clock.Elapsed >= settings.PhaseLimit)
            {
                break;
            }

            await slots.WaitAsync(ct);
            long index = i;
            MOSDOp request = build(index);
            OsdInfo primary = map.PrimaryFor(request.ObjectName);
            int payload = request.Ops.Sum(o => o.InData.Length);
            long started = Stopwatch.GetTimestamp();
            Task<MOSDOpReply> reply = objecter.SubmitAsync(primary.Public, request);
            inFlight.Add(reply.WaitAsync(TimeSpan.FromSeconds(30), ct).ContinueWith(t =>
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                bool ok = t.IsCompletedSuccessfully && check(index, t.Result);
                Interlocked.Add(ref bytes, payload + (t.IsCompletedSuccessfully ? t.Result.Ops.Sum(o => o.OutData.Length) : 0));
                Interlocked.Increment(ref done);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }

                slots.Release();
            }, TaskScheduler.Default));
        }

        await Task.WhenAll(inFlight);
        clock.Stop();
        ticker.Dispose();
        await display;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(live ? "\r" : "")}  {name,-6} {done,9} ops in {clock.Elapsed.TotalSeconds:0.0} s          "));
        double[] sorted = [.. latencies.Order()];
        return new PhaseResult(name, done, bytes, clock.Elapsed, sorted, errors);
    }

    private static MOSDOp WriteOp(Objecter objecter, string prefix, long index, int size)
    {
        byte[] data = new byte[size];
        if (size >= 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data, index); // so the read phase can check it got this object back
        }

        MOSDOp op = NewOp(objecter, prefix, index, OsdFlags.Write | OsdFlags.OnDisk);
        op.Ops.Add(OsdOp.AllocHint((ulong)size, (ulong)size, 0));
        OsdOp write = OsdOp.Extent(OsdOpCode.Write, 0, (ulong)size);
        write.InData = data;
        op.Ops.Add(write);
        return op;
    }

    private static MOSDOp ReadOp(Objecter objecter, string prefix, long index)
    {
        MOSDOp op = NewOp(objecter, prefix, index, OsdFlags.Read);
        op.Ops.Add(OsdOp.Extent(OsdOpCode.Read, 0, 0));
        return op;
    }

    private static MOSDOp NewOp(Objecter objecter, string prefix, long index, uint flags)
    {
        string name = prefix + index.ToString(CultureInfo.InvariantCulture);
        return new MOSDOp
        {
            Tid = objecter.NextTid(),
            ObjectName = name,
            Locator = new ObjectLocator(Pool),
            Pgid = new PgId(Pool, (uint)name.GetHashCode(StringComparison.Ordinal)),
            Flags = flags,
            MapEpoch = 1,
            Mtime = UTime.Now,
        };
    }

    private static bool IsExpectedRead(long index, MOSDOpReply reply, int size)
    {
        if (reply.Result != 0 || reply.Ops.Count != 1 || reply.Ops[0].OutData.Length != size)
        {
            return false;
        }

        return size < 8 || BinaryPrimitives.ReadInt64LittleEndian(reply.Ops[0].OutData.Span) == index;
    }

    private static async Task ShowProgressAsync(PeriodicTimer ticker, Func<string> line, TextWriter progress, bool live)
    {
        try
        {
            while (await ticker.WaitForNextTickAsync())
            {
                if (live)
                {
                    progress.Write("\r" + line());
                }
                else
                {
                    progress.WriteLine(line());
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
