using System.Diagnostics;
using System.Net;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Sessions;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// Runs the msgr2 handshake after the banner: the client sequence when the connection carries an
/// <see cref="ICephConnectTargetFeature"/> (and the session it connects), the server sequence otherwise
/// (the messenger decides which session the socket serves). On READY the negotiated
/// <see cref="ICephHandshakeFeature"/> is set and the next middleware runs; WAIT and a stale socket end
/// the connection quietly; on failure the reason is logged and the connection closes.
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

        HandshakeOutcome outcome;
        using (var deadline = new HandshakeDeadline(connection, host.HandshakeTimeout - Stopwatch.GetElapsedTime(banner.StartTimestamp)))
        {
            var channel = new FrameChannel(connection.Transport, host.FrameLimits, host.PreAuthFrameLimits);
            try
            {
                outcome = target is null
                    ? await new ServerHandshake(host, host as ISessionAcceptor ?? throw new InvalidOperationException("the handshake's host must decide sessions (a Messenger)"),
                            channel, connection.RemoteEndPoint as IPEndPoint)
                        .RunAsync(banner.Sent, banner.Received, banner.StartTimestamp, deadline.Token)
                    : await new ClientHandshake(host, channel, target.PeerType, target.TargetAddr, connection.LocalEndPoint as IPEndPoint,
                            connection.Features.Get<IConnectingSession>() ?? new LossyClientSession(host))
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

            if (outcome is not HandshakeOutcome.Ready)
            {
                // WAIT or a stale socket: a connection race, not a failure; the session goes on elsewhere.
                (channel.Codec as IDisposable)?.Dispose();
                MessengerLog.SessionDecision(host.Logger, host.Name, "?", remote, outcome is HandshakeOutcome.Wait ? $"{role} handshake ended in WAIT" : "stale connection dropped");
                return;
            }
        }

        (HandshakeResult result, IAcceptedSession? session) = (HandshakeOutcome.Ready)outcome;
        if (session is not null)
        {
            connection.Features.Set(session);
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
            host.Metrics.ConnectionClosed(host.Name);
        }
    }
}
