using System.Diagnostics;
using System.Net;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// Runs the msgr2 handshake after the banner: the client sequence when the connection carries an
/// <see cref="ICephConnectTargetFeature"/>, the server sequence otherwise. On success the
/// negotiated <see cref="ICephHandshakeFeature"/> is set and the next middleware runs; on failure
/// the reason is logged and the connection closes.
/// </summary>
public sealed class CephHandshakeMiddleware(ConnectionDelegate next, IHandshakeHost host)
{
    /// <summary>Runs for one connection.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        IMsgr2BannerFeature banner = connection.Features.Get<IMsgr2BannerFeature>()
            ?? throw new InvalidOperationException("UseCephBanner() must come before UseCephHandshake()");
        ICephConnectTargetFeature? target = connection.Features.Get<ICephConnectTargetFeature>();
        string role = target is null ? "server" : "client";
        string remote = connection.RemoteEndPoint?.ToString() ?? "?";
        TimeSpan left = host.HandshakeTimeout - Stopwatch.GetElapsedTime(banner.StartTimestamp);

        HandshakeResult result;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            try
            {
                var channel = new FrameChannel(connection.Transport, host.FrameLimits);
                result = target is null
                    ? await new ServerHandshake(host, channel, connection.RemoteEndPoint as IPEndPoint)
                        .RunAsync(banner.Sent, banner.Received, banner.StartTimestamp, timeout.Token)
                    : await new ClientHandshake(host, channel, target.PeerType, target.TargetAddr, connection.LocalEndPoint as IPEndPoint)
                        .RunAsync(banner.Sent, banner.Received, banner.StartTimestamp, timeout.Token);
                host.Metrics.ControlBytes(host.Name, channel.BytesSent + banner.Sent.Length, channel.BytesReceived + banner.Received.Length);
            }
            catch (Exception e) when (CephBannerMiddleware.Failure(e, timeout.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested, host.HandshakeTimeout) is string reason)
            {
                MessengerLog.HandshakeFailed(host.Logger, host.Name, role, remote, reason);
                host.Metrics.HandshakeFailed(host.Name, role);
                target?.FailureReason ??= reason;
                return;
            }
        }

        MessengerLog.HandshakeCompleted(host.Logger, host.Name, role, remote, result.PeerName.ToString(), result.Features, result.Mode.ToString(), result.GlobalId, result.Lossy);
        host.Metrics.ConnectionOpened(host.Name, role, result.Duration);
        connection.Features.Set<ICephHandshakeFeature>(result);
        await next(connection);
    }
}
