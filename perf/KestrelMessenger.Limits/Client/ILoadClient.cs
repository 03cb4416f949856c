namespace KestrelMessenger.Limits.Client;

/// <summary>
/// The driver's side of a case: N connections to the server, each a closed loop keeping K requests in
/// flight (every reply sends the next request). The echo and the messenger clients share this shape, the
/// process and the window; only the protocol on the sockets differs.
/// </summary>
internal interface ILoadClient : IAsyncDisposable
{
    /// <summary>One per connection.</summary>
    IReadOnlyList<LoopRecorder> Loops { get; }

    /// <summary>What protects the connections, once started ("auth none, crc mode", …).</summary>
    string Security { get; }

    /// <summary>Completes with a reason when a connection fails.</summary>
    Task<string> Failed { get; }

    /// <summary>Connects every connection, checks it is what the kind asks for, then starts the loops.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>The server's counters now (asked on a connection of this client; outside the measured window).</summary>
    Task<ServerSnapshot> QueryServerAsync(CancellationToken cancellationToken);

    /// <summary>After <see cref="LoadWindow.Stop"/>: true once every request in flight is answered.</summary>
    Task<bool> DrainAsync(TimeSpan timeout);
}
