using System.Diagnostics;
using KestrelMessenger.Testing;

namespace KestrelMessenger.OsdSample.Tests.Interop;

/// <summary>
/// One of our OSDs as its own process (`dotnet osd-sample.dll osd …`), as an operator runs it: every
/// line it prints is kept, and it is stopped by PID (SIGTERM, or SIGKILL to play a crash). The
/// library MonClient logs at debug, so each hunt attempt is visible.
/// </summary>
public sealed class OsdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];

    private OsdProcess(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "osd-sample.dll"), "osd", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Logging__LogLevel__KestrelMessenger.Mon.MonClient"] = "Debug";
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the OSD sample");
        _process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_errors, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts `osd <paramref name="args"/>`.</summary>
    public static OsdProcess Start(params IEnumerable<string> args) => new(args);

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Has it exited?</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What it printed on stdout (the log, EVENT lines).</summary>
    public IReadOnlyList<string> Output => Snapshot(_output);

    /// <summary>What it printed on stderr.</summary>
    public IReadOnlyList<string> Errors => Snapshot(_errors);

    /// <summary>How many stdout lines contain <paramref name="text"/>.</summary>
    public int Count(string text) => Output.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits until a stdout line contains <paramref name="text"/> (fails at once if the process exits first).</summary>
    public async Task WaitForAsync(string text, TimeSpan? timeout = null, int occurrences = 1)
    {
        await Eventually.UntilAsync(
            () => Count(text) >= occurrences || _process.HasExited,
            timeout ?? TimeSpan.FromSeconds(60),
            () => $"our OSD never printed '{text}' ({occurrences}×):\n{string.Join('\n', Output.TakeLast(40))}");
        if (Count(text) < occurrences)
        {
            Assert.Fail($"our OSD exited ({_process.ExitCode}) before printing '{text}':\n{string.Join('\n', Output.TakeLast(40))}\n{string.Join('\n', Errors)}");
        }
    }

    /// <summary>Waits until the monitors report it up ("osd.N is up in osdmap epoch").</summary>
    public Task WaitUntilUpAsync(int id, int times = 1) => WaitForAsync($"osd.{id} is up in osdmap epoch", occurrences: times);

    /// <summary>Waits for it to exit by itself; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    private int _disposed;

    /// <summary>SIGTERM (as systemd stops it), then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await Processes.StopAsync(_process.Id, grace: TimeSpan.FromSeconds(30));
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the OSD dies without a word, as in a crash or a power cut.</summary>
    public async Task KillAsync()
    {
        await Processes.RunAsync("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // A test may dispose its OSD and the fixture that started it again: the second time is a no-op.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync();
        _process.Dispose();
    }

    private static void Add(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }
}
