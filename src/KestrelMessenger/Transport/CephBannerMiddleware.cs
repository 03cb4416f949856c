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
        using (var deadline = new HandshakeDeadline(connection, host.HandshakeTimeout))
        {
            try
            {
                banner = await ExchangeAsync(connection.Transport, start, deadline.Token);
            }
            catch (Exception e) when (HandshakeFailures.From(e, deadline.TimedOut, deadline.Stopping, host.HandshakeTimeout) is ConnectionFailure failure)
            {
                MessengerLog.HandshakeFailed(host.Logger, host.Name, role, connection.RemoteEndPoint?.ToString() ?? "?", failure.Reason);
                host.Metrics.HandshakeFailed(host.Name, role);
                if (target is not null)
                {
                    target.Failure ??= failure;
                }

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
        try
        {
            await transport.Output.WriteAsync(sent.WrittenMemory, ct);
        }
        catch (Exception e) when (HandshakeFailures.IsTransportGone(e) && e is not ConnectionAbortedException)
        {
            // A peer that already hung up (or answered and hung up) is judged by what it sent, below.
        }

        (PeerBanner peer, byte[] received) = await ReadBannerAsync(transport.Input, ct);
        Check(peer);
        return new Msgr2BannerFeature(peer, sent.WrittenMemory, received, start);
    }

    /// <summary>
    /// Reads the peer's banner. Whatever arrived is examined before a close, a reset or the deadline is
    /// reported, so an HTTP, TLS or msgr1 peer is named as such however its bytes and its close race.
    /// </summary>
    private static async Task<(PeerBanner Peer, byte[] Received)> ReadBannerAsync(PipeReader input, CancellationToken ct)
    {
        long seen = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested && input.TryRead(out result))
            {
                // The deadline passed with bytes buffered: they may still say what the peer is.
                ReadOnlySequence<byte> late = result.Buffer;
                try
                {
                    if (Examine(late) is (PeerBanner lastMoment, long length))
                    {
                        byte[] received = late.Slice(0, length).ToArray();
                        late = late.Slice(length);
                        return (lastMoment, received);
                    }
                }
                finally
                {
                    input.AdvanceTo(late.Start, late.End);
                }

                throw;
            }
            catch (Exception e) when (e is ConnectionResetException or IOException)
            {
                // A reset is a close without the courtesy of a FIN (a peer that hung up on bytes it never read).
                throw new ProtocolException(seen == 0
                    ? "peer closed the connection before sending its banner (reset)"
                    : $"peer closed the connection while sending its banner ({seen} of {Banner.Length} bytes, reset)", FailureKind.PeerClosed);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            seen = buffer.Length;
            if (Examine(buffer) is (PeerBanner peer, long consumed))
            {
                byte[] received = buffer.Slice(0, consumed).ToArray();
                input.AdvanceTo(buffer.GetPosition(consumed));
                return (peer, received);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new ProtocolException(buffer.IsEmpty
                    ? "peer closed the connection before sending its banner"
                    : $"peer closed the connection while sending its banner ({buffer.Length} of {Banner.Length} bytes)", FailureKind.PeerClosed);
            }
        }
    }

    /// <summary>The banner, or null while it is incomplete; throws when the bytes are not a msgr2 banner.</summary>
    private static (PeerBanner, long)? Examine(in ReadOnlySequence<byte> buffer) =>
        Banner.TryRead(buffer, out PeerBanner peer, out long consumed) ? (peer, consumed) : null;

    private static void Check(PeerBanner peer)
    {
        if ((Required & peer.Supported) != Required)
        {
            throw new ProtocolException($"peer supports msgr2 features 0x{peer.Supported:x} but we require 0x{Required:x} (msgr2.1)", FailureKind.MissingFeatures);
        }

        if ((Supported & peer.Required) != peer.Required)
        {
            throw new ProtocolException($"peer requires msgr2 features 0x{peer.Required:x} but we support only 0x{Supported:x}", FailureKind.MissingFeatures);
        }
    }
}
