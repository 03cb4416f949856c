namespace KestrelMessenger.Limits.Client;

/// <summary>The run cannot give figures (handshake, wrong mode, a reset): the driver reports it and exits 2.</summary>
internal sealed class LoadFailure(string message) : Exception(message);
