using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using KestrelMessenger;
using KestrelMessenger.Connections;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Soak;
using KestrelMessenger.Testing;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A soak of one lossless session between two processes over loopback TCP: the sender streams numbered
// messages to a receiver process, which audits what arrived and cuts its socket about every --cut-every
// messages it receives (ms_inject_socket_failures on both sides may add random failures). Each round runs
// once without faults and once with them, each against a fresh receiver process.
SoakOptions options;
try
{
    options = SoakOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{SoakOptions.Usage}");
    return 1;
}

if (options.Help)
{
    Console.WriteLine(SoakOptions.Usage);
    return 0;
}

try
{
    return options.Role == "receive" ? await ReceiveAsync(options) : await RunAsync(options);
}
catch (TimeoutException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static WebApplication Build(string entity, uint nonce, int injectEvery, Action<MessengerOptions>? tweak, Action<ICephMessengerBuilder> dispatchers)
{
    WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
    // Every cut fails a handshake or two somewhere: not news here, unless SOAK_LOG asks (Warning, Debug …).
    builder.Logging.SetMinimumLevel(Enum.TryParse(Environment.GetEnvironmentVariable("SOAK_LOG"), out LogLevel level) ? level : LogLevel.Error);
    ICephMessengerBuilder messenger = builder.Services.AddCephMessenger("soak", o =>
    {
        o.Entity = entity;
        o.Nonce = nonce;
        o.BindTo("v2:127.0.0.1:0");
        o.Policies[EntityType.Osd] = Policy.LosslessPeer();
        o.InitialBackoff = TimeSpan.FromMilliseconds(10);
        o.MaxBackoff = TimeSpan.FromMilliseconds(200);
        o.FaultInjection = injectEvery > 0 ? new FaultInjectionOptions { SocketFailures = injectEvery, Seed = (int)nonce } : null;
        tweak?.Invoke(o);
    });
    dispatchers(messenger);
    return builder.Build();
}

static async Task<int> ReceiveAsync(SoakOptions options)
{
    var receiver = new Receiver { CutEvery = options.CutEvery };
    await using WebApplication app = Build("osd.2", 2, options.Inject, o => o.ConnectionMiddleware.Add(receiver.Cutter.Install), m =>
    {
        m.Services.AddSingleton(receiver);
        m.AddDispatcher<Receiver>();
    });
    await app.StartAsync();
    Console.WriteLine($"LISTENING {app.Services.GetMessenger("soak").MyAddrs[0]}");
    await app.WaitForShutdownAsync();
    return 0;
}

static async Task<int> RunAsync(SoakOptions options)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"soak: {options.Messages:N0} messages of {options.Size} B on one lossless session, sender and receiver in separate processes over TCP (127.0.0.1)"));
    Console.WriteLine(options.CutEvery > 0 || options.Inject > 0
        ? $"faults: the receiver cuts its socket about every {options.CutEvery} messages it receives{(options.Inject > 0 ? $", ms_inject_socket_failures {options.Inject} on both sides" : "")}"
        : "faults: none");
    bool perfect = true;
    for (int round = 1; round <= options.Rounds; round++)
    {
        foreach (bool faults in options.Baseline ? new[] { false, true } : [true])
        {
            Outcome outcome = await RunOnceAsync(options, faults);
            perfect &= outcome.Report.IsPerfect;
            Console.WriteLine(outcome.ToString(faults ? "with faults" : "no faults", options));
        }
    }

    return perfect ? 0 : 3;
}

static async Task<Outcome> RunOnceAsync(SoakOptions options, bool faults)
{
    int cutEvery = faults ? options.CutEvery : 0;
    int inject = faults ? options.Inject : 0;
    using Process receiver = StartReceiver(cutEvery, inject);

    // The pass ends within --timeout, on Ctrl+C or SIGTERM, or when the receiver process goes: whatever happens, never a sender left running.
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Timeout));
    using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
    receiver.EnableRaisingEvents = true;
    receiver.Exited += (_, _) => stop.Cancel();
    try
    {
        EntityAddr target = EntityAddr.Parse(await ReadListeningAsync(receiver));
        await using WebApplication app = Build("osd.1", 1, inject, null, m => m.AddDispatcher<SenderInbox>());
        await app.StartAsync();
        using var counters = new Counters();
        SenderInbox inbox = app.Services.GetRequiredService<SenderInbox>();
        IConnection session = app.Services.GetMessenger("soak").ConnectTo(EntityType.Osd, target);

        byte[] payload = new byte[options.Size];
        new Random(1).NextBytes(payload);
        var clock = Stopwatch.StartNew();
        for (long n = 0; n < options.Messages; n++)
        {
            while (n - inbox.Progress >= options.Window)
            {
                await inbox.Moved.WaitAsync(TimeSpan.FromMilliseconds(50), stop.Token); // the receiver's progress opens the window
            }

            session.SendMessage(new Message(SoakMessages.Data) { Tid = (ulong)n, Data = MessageBuffer.CopyOf(payload) });
        }

        session.SendMessage(new Message(SoakMessages.Done) { Tid = (ulong)options.Messages });
        (SequenceReport report, int cuts) = await inbox.Report.Task.WaitAsync(stop.Token);
        clock.Stop();
        return new Outcome(report, clock.Elapsed, cuts, counters.Injected, counters.Faults, counters.Replayed, counters.Resets);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        throw new TimeoutException(receiver.HasExited
            ? $"the receiver process exited ({receiver.ExitCode}) before the stream was done"
            : $"the pass did not finish within {options.Timeout} s (or was interrupted)");
    }
    finally
    {
        // The receiver is ours: stopped by PID, whatever happened.
        if (!receiver.HasExited)
        {
            receiver.Kill(entireProcessTree: true);
            await receiver.WaitForExitAsync();
        }
    }
}

static Process StartReceiver(int cutEvery, int inject)
{
    string self = typeof(Receiver).Assembly.Location;
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (string arg in new[] { self, "receive", "--cut-every", cutEvery.ToString(CultureInfo.InvariantCulture), "--inject", inject.ToString(CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(arg);
    }

    return Process.Start(start) ?? throw new InvalidOperationException("could not start the receiver process");
}

// The receiver's address from its first line; everything it writes after that goes to our stderr, marked.
static async Task<string> ReadListeningAsync(Process receiver)
{
    var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
    receiver.OutputDataReceived += (_, e) =>
    {
        if (e.Data is null)
        {
            listening.TrySetException(new InvalidOperationException("the receiver exited before listening"));
        }
        else if (e.Data.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            listening.TrySetResult(e.Data["LISTENING ".Length..]);
        }
        else
        {
            Console.Error.WriteLine($"[receiver] {e.Data}");
        }
    };
    receiver.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is not null)
        {
            Console.Error.WriteLine($"[receiver] {e.Data}");
        }
    };
    receiver.BeginOutputReadLine();
    receiver.BeginErrorReadLine();
    return await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
}

/// <summary>One pass: the receiver's audit, the time, and what the faults did.</summary>
internal readonly record struct Outcome(SequenceReport Report, TimeSpan Elapsed, int Cuts, long Injected, long Faults, long Replayed, long Resets)
{
    public string ToString(string what, SoakOptions options)
    {
        double seconds = Elapsed.TotalSeconds;
        long faults = Cuts + Injected;
        string faultText = faults == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $", {Cuts:N0} cuts + {Injected:N0} injected failures on the sender (one per {options.Messages / Math.Max(1, faults):N0} messages), {Faults:N0} faults of the sender's session survived, {Replayed:N0} messages replayed, {Resets} session resets");
        return string.Create(CultureInfo.InvariantCulture,
            $"  {what,-12} {Report.Received:N0} in {seconds:0.00} s, {Report.Received / seconds:N0} msg/s, {Report.Received * (double)options.Size / seconds / 1e6:0.0} MB/s: {Report.Lost} lost, {Report.Duplicated} duplicated, {Report.Reordered} reordered{faultText}");
    }
}

/// <summary>The sender messenger's own counters, from its meter.</summary>
internal sealed class Counters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sent;
    private long _injected;
    private long _faults;
    private long _replayed;
    private long _resets;

    public Counters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MessengerMetrics.MeterName && instrument.Name is "ceph.messenger.messages.sent" or "ceph.messenger.sockets.injected_failures"
                or "ceph.messenger.sessions.faults" or "ceph.messenger.messages.replayed" or "ceph.messenger.sessions.resets")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "ceph.messenger.messages.sent": Interlocked.Add(ref _sent, value); break;
                case "ceph.messenger.sockets.injected_failures": Interlocked.Add(ref _injected, value); break;
                case "ceph.messenger.sessions.faults": Interlocked.Add(ref _faults, value); break;
                case "ceph.messenger.messages.replayed": Interlocked.Add(ref _replayed, value); break;
                case "ceph.messenger.sessions.resets": Interlocked.Add(ref _resets, value); break;
            }
        });
        _listener.Start();
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Injected => Interlocked.Read(ref _injected);

    public long Faults => Interlocked.Read(ref _faults);

    public long Replayed => Interlocked.Read(ref _replayed);

    public long Resets => Interlocked.Read(ref _resets);

    public void Dispose() => _listener.Dispose();
}
