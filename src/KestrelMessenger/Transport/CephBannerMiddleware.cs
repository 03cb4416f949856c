using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// Exchanges the msgr2 banner (both sides send at once), checks the feature bits, and rejects
/// peers that speak msgr1, HTTP or anything else with a specific reason.
/// </summary>
public sealed class CephBannerMiddleware(ConnectionDelegate next, IHandshakeHost host)
{
    /// <summary>msgr2 features we advertise: rev1 only (no Quincy compression).</summary>
    public const ulong Supported = Msgr2Features.Revision1;

    /// <summary>msgr2 features we require: rev1, as the kernel client does.</summary>
    public const ulong Required = Msgr2Features.Revision1;

    /// <summary>Runs for one connection.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        long start = Stopwatch.GetTimestamp();
        ICephConnectTargetFeature? target = connection.Features.Get<ICephConnectTargetFeature>();
        string role = target is null ? "server" : "client";
        Msgr2BannerFeature banner;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(host.HandshakeTimeout);
            try
            {
                banner = await ExchangeAsync(connection.Transport, start, timeout.Token);
            }
            catch (Exception e) when (Failure(e, timeout.IsCancellationRequested, host.HandshakeTimeout) is string reason)
            {
                MessengerLog.HandshakeFailed(host.Logger, host.Name, role, connection.RemoteEndPoint?.ToString() ?? "?", reason);
                host.Metrics.HandshakeFailed(host.Name, role);
                target?.FailureReason ??= reason;
                return;
            }
        }

        connection.Features.Set<IMsgr2BannerFeature>(banner);
        await next(connection);
    }

    private static async Task<Msgr2BannerFeature> ExchangeAsync(IDuplexPipe transport, long start, CancellationToken ct)
    {
        var sent = new ArrayBufferWriter<byte>(Banner.Length);
        Banner.Write(sent, Supported, Required);
        await transport.Output.WriteAsync(sent.WrittenMemory, ct);

        while (true)
        {
            ReadResult result = await transport.Input.ReadAsync(ct);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (Banner.TryRead(buffer, out PeerBanner peer, out long consumed))
            {
                byte[] received = buffer.Slice(0, consumed).ToArray();
                transport.Input.AdvanceTo(buffer.GetPosition(consumed));
                Check(peer);
                return new Msgr2BannerFeature(peer, sent.WrittenMemory, received, start);
            }

            transport.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new ProtocolException(buffer.IsEmpty ? "peer closed the connection before sending a banner" : "peer closed the connection mid-banner");
            }
        }
    }

    private static void Check(PeerBanner peer)
    {
        if ((Required & peer.Supported) != Required)
        {
            throw new ProtocolException($"peer supports msgr2 features 0x{peer.Supported:x} but we require 0x{Required:x} (msgr2.1)");
        }

        if ((Supported & peer.Required) != peer.Required)
        {
            throw new ProtocolException($"peer requires msgr2 features 0x{peer.Required:x} but we support only 0x{Supported:x}");
        }
    }

    /// <summary>The reason to log for a failed banner or handshake, or null for an exception that is a bug.</summary>
    internal static string? Failure(Exception e, bool timedOut, TimeSpan timeout) => e switch
    {
        OperationCanceledException when timedOut => $"handshake timed out after {timeout.TotalSeconds:0.###} s",
        OperationCanceledException => "connection closed during the handshake",
        ProtocolException or DecodeException or Frames.FrameException => e.Message,
        IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException
            => $"transport failed during the handshake: {e.Message}",
        _ => null,
    };
}
