namespace KestrelMessenger.Protocol;

/// <summary>The peer broke the msgr2 protocol (or cannot be talked to); the connection is closed.</summary>
public sealed class ProtocolException(string message) : Exception(message);
