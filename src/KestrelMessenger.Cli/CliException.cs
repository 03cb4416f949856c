namespace KestrelMessenger.Cli;

/// <summary>A failure kmsgr reports as one line on stderr with its own exit code (see <see cref="ExitCodes"/>).</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    /// <summary>The process exit code for this failure.</summary>
    public int ExitCode { get; } = exitCode;
}
