namespace KestrelMessenger.Limits;

/// <summary>What the server process runs, and so what the driver speaks to it.</summary>
internal enum ServerKind
{
    /// <summary>A bare Kestrel <c>ConnectionHandler</c> echoing length-prefixed payloads: the ceiling for the same sockets and pipes.</summary>
    Echo,

    /// <summary>The messenger, auth none, crc mode.</summary>
    Crc,

    /// <summary>The messenger, cephx, secure mode (AES-128-GCM frames).</summary>
    Secure,
}

internal static class ServerKinds
{
    public static ServerKind Parse(string text) => text switch
    {
        "echo" => ServerKind.Echo,
        "crc" => ServerKind.Crc,
        "secure" => ServerKind.Secure,
        _ => throw new FormatException($"--kind: '{text}' is not echo, crc or secure"),
    };

    public static string Name(this ServerKind kind) => kind switch
    {
        ServerKind.Echo => "echo",
        ServerKind.Crc => "crc",
        _ => "secure",
    };
}
