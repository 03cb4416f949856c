using System.Diagnostics;
using System.Net;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
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

        HandshakeResult result;
        using (var deadline = new HandshakeDeadline(connection, host.HandshakeTimeout - Stopwatch.GetElapsedTime(banner.StartTimestamp)))
        {
            var channel = new FrameChannel(connection.Transport, host.FrameLimits, host.PreAuthFrameLimits);
            try
            {
                result = target is null
                    ? await new ServerHandshake(host, channel, connection.RemoteEndPoint as IPEndPoint)
                        .RunAsync(banner.Sent, banner.Received, banner.StartTimestamp, deadline.Token)
                    : await new ClientHandshake(host, channel, target.PeerType, target.TargetAddr, connection.LocalEndPoint as IPEndPoint)
                        .RunAsync(banner.Sent, banner.Received, banner.StartTimestamp, deadline.Token);
            }
            catch (Exception e) when (HandshakeFailures.From(e, deadline.TimedOut, deadline.Stopping, host.HandshakeTimeout) is ConnectionFailure failure)
            {
                (channel.Codec as IDisposable)?.Dispose();
                MessengerLog.HandshakeFailed(host.Logger, host.Name, role, remote, failure.Reason);
                host.Metrics.HandshakeFailed(host.Name, role);
                if (target is not null)
                {
                    target.Failure ??= failure;
                }

                return;
            }
            finally
            {
                host.Metrics.ControlBytes(host.Name, channel.BytesSent + banner.Sent.Length, channel.BytesReceived + banner.Received.Length);
            }
        }

        MessengerLog.HandshakeCompleted(host.Logger, host.Name, role, remote, result.PeerName.ToString(), result.Features, result.Mode.ToString(), result.GlobalId, result.Lossy);
        host.Metrics.ConnectionOpened(host.Name, role, result.Duration);
        connection.Features.Set<ICephHandshakeFeature>(result);
        connection.Features.Set<ICephAuthFeature>(result.Auth);
        try
        {
            await next(connection);
        }
        finally
        {
            // The codec holds the connection's keys: they go when the connection does.
            (result.Codec as IDisposable)?.Dispose();
        }
    }
}
