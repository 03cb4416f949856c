using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport.Capture;

/// <summary>
/// Records a connection's raw traffic (put it first, before the banner) and hands the capture to
/// <c>onClosed</c> when the connection ends: for golden test data and for debugging a peer.
/// </summary>
public sealed class CephCaptureMiddleware(ConnectionDelegate next, Action<ConnectionCapture> onClosed, int maxBytes)
{
    /// <summary>Runs for one connection.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var capture = new ConnectionCapture(connection.LocalEndPoint, connection.RemoteEndPoint, maxBytes);
        var original = connection.Transport;
        connection.Transport = new CapturingDuplexPipe(original, capture);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = original;
            onClosed(capture);
        }
    }
}

/// <summary>Adds <see cref="CephCaptureMiddleware"/>.</summary>
public static class CephCaptureBuilderExtensions
{
    /// <summary>Records each connection's raw bytes, up to <paramref name="maxBytes"/> per direction.</summary>
    public static TBuilder UseCephCapture<TBuilder>(this TBuilder builder, Action<ConnectionCapture> onClosed, int maxBytes = 16 << 20)
        where TBuilder : IConnectionBuilder
    {
        builder.Use(next => new CephCaptureMiddleware(next, onClosed, maxBytes).OnConnectionAsync);
        return builder;
    }
}
