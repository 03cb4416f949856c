namespace KestrelMessenger.Wire;

/// <summary>Malformed Ceph-encoded ("denc") data: a length past the end, an unknown marker, a too-new struct.</summary>
public sealed class DecodeException(string message, Exception? inner = null) : Exception(message, inner);
