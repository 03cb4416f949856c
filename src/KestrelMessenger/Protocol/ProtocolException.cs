namespace KestrelMessenger.Protocol;

/// <summary>The peer broke the msgr2 protocol (or cannot be talked to); the connection is closed.</summary>
/// <param name="message">The reason, for logs.</param>
/// <param name="kind">What happened, for programs.</param>
public sealed class ProtocolException(string message, FailureKind kind = FailureKind.ProtocolError) : Exception(message)
{
    /// <summary>What happened.</summary>
    public FailureKind Kind { get; } = kind;

    /// <summary>The failure this exception reports.</summary>
    public ConnectionFailure Failure => new(Kind, Message);
}
