using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Testing;

/// <summary>Keeps every log line of a test host so tests can assert the reason a connection was closed.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Every line so far, "Level: message".</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    /// <summary>Waits for a line containing <paramref name="fragment"/> and returns it.</summary>
    public Task<string> WaitForAsync(string fragment, TimeSpan? timeout = null) => Eventually.UntilAsync(
        () => _lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)),
        timeout ?? TimeSpan.FromSeconds(10),
        () => $"no log line containing '{fragment}'; saw:\n{string.Join("\n", _lines)}");

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
