using System.Net.Sockets;
using KestrelMessenger.Connections;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger;

/// <summary>
/// What the messenger does for its sessions (<see cref="IConnectionOwner"/>) and for the server
/// handshake's session step (<see cref="ISessionAcceptor"/>): the global_seq counter, connect attempts,
/// dispatch of messages and events, and the session lookups of its <see cref="ConnectionManager"/>.
/// </summary>
public sealed partial class Messenger
{
    /// <inheritdoc />
    ulong IHandshakeHost.NextGlobalSeq() => NextGlobalSeq(0);

    /// <summary>Ceph's <c>get_global_seq(old)</c>: the counter is raised to at least <paramref name="above"/> first.</summary>
    internal ulong NextGlobalSeq(ulong above)
    {
        while (true)
        {
            long now = Interlocked.Read(ref _globalSeq);
            long next = Math.Max(now, (long)above) + 1;
            if (Interlocked.CompareExchange(ref _globalSeq, next, now) == now)
            {
                return (ulong)next;
            }
        }
    }

    ulong IConnectionOwner.NextGlobalSeq(ulong above) => NextGlobalSeq(above);

    FaultInjection IConnectionOwner.Injection => _injection;

    TimeSpan IConnectionOwner.InitialBackoff => _options.InitialBackoff;

    TimeSpan IConnectionOwner.MaxBackoff => _options.MaxBackoff;

    ValueTask<AcceptStep> ISessionAcceptor.AcceptIdentAsync(AcceptContext context, Protocol.Frames.ClientIdentFrame ident, CancellationToken cancellationToken) =>
        _sessions.AcceptIdentAsync(context, ident, cancellationToken);

    ValueTask<AcceptStep> ISessionAcceptor.AcceptReconnectAsync(AcceptContext context, Protocol.Frames.SessionReconnectFrame reconnect, CancellationToken cancellationToken) =>
        _sessions.AcceptReconnectAsync(context, reconnect, cancellationToken);

    void ISessionAcceptor.Abandon(AcceptStep step, ConnectionFailure failure)
    {
        if (step is AcceptStep.Ident { Session: MessengerConnection a })
        {
            a.AbandonAccept(failure);
        }
        else if (step is AcceptStep.ReconnectOk { Session: MessengerConnection b })
        {
            b.AbandonAccept(failure);
        }
    }

    void IConnectionOwner.Deliver(MessengerConnection connection, Message message)
    {
        if (!_dispatchers.TryFastDispatch(message))
        {
            _queue.Enqueue(message);
        }
    }

    ValueTask IConnectionOwner.WaitForDispatchRoomAsync(CancellationToken cancellationToken) => _queue.WaitForRoomAsync(cancellationToken);

    bool IConnectionOwner.HasDispatchRoom => _queue.HasRoom;

    ThrottleLimits IConnectionOwner.ThrottleLimitsFor(HandshakeRole role, bool lossy) => new(
        _options.MaxInFlightMessages, _options.MaxInFlightBytes, _options.MaxOutQueueMessages, _options.MaxOutQueueBytes,
        BoundOutQueue: role == HandshakeRole.Server && lossy);

    void IConnectionOwner.OnReady(MessengerConnection connection, HandshakeRole role) =>
        _queue.Enqueue(role == HandshakeRole.Client ? DispatchEvent.Connect : DispatchEvent.Accept, connection);

    void IConnectionOwner.OnRefused(MessengerConnection connection) => _queue.Enqueue(DispatchEvent.Refused, connection);

    void IConnectionOwner.OnRemoteReset(MessengerConnection connection)
    {
        _queue.Discard(connection);
        Metrics.SessionReset(Name);
        _queue.Enqueue(DispatchEvent.RemoteReset, connection);
    }

    void IConnectionOwner.OnClosed(MessengerConnection connection, CloseKind kind, string reason)
    {
        _sessions.Removed(connection);

        // A local mark_down is not reported back, as in Ceph.
        if (kind != CloseKind.Local)
        {
            _queue.Enqueue(kind == CloseKind.Refused ? DispatchEvent.Refused : DispatchEvent.Reset, connection);
        }
    }

    /// <summary>One connect attempt of a session: TCP connect, then the client chain (banner, handshake, READY) until the socket ends.</summary>
    async Task<ConnectOutcome> IConnectionOwner.ConnectAsync(MessengerConnection connection, ConnectAttempt attempt, CancellationToken cancellationToken)
    {
        EntityAddr target = attempt.Target;
        ConnectionContext context;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, cancellationToken);
            timeout.CancelAfter(HandshakeTimeout);
            context = await _transport.Connections.ConnectAsync(target.EndPoint!, timeout.Token);
        }
        catch (Exception e)
        {
            ConnectionFailure failure = ConnectFailure(e);
            MessengerLog.ConnectFailed(Logger, Name, target.ToString(), failure.Reason);
            return new ConnectOutcome.Failed(failure);
        }

        var targetFeature = new CephConnectTargetFeature(connection.PeerName.Type, target);
        await using (context)
        {
            attempt.Attach(context);
            context.Features.Set<ICephConnectTargetFeature>(targetFeature);
            context.Features.Set<IConnectingSession>(attempt);
            try
            {
                await _clientPipeline(context);
            }
            catch (Exception e) when (HandshakeFailures.IsTransportGone(e) || e is OperationCanceledException)
            {
                targetFeature.Failure ??= new ConnectionFailure(FailureKind.PeerClosed, "transport closed");
            }
            catch (Exception e)
            {
                // A bug (ours, or in user middleware): logged as one, and the attempt still ends cleanly.
                MessengerLog.PipelineFailed(Logger, e, Name, target.ToString());
                targetFeature.Failure ??= new ConnectionFailure(FailureKind.ProtocolError, $"internal error on the connection: {e.GetType().Name}");
            }
        }

        return attempt.ReachedReady ? new ConnectOutcome.Ran()
            : attempt.Waited ? new ConnectOutcome.Waited()
            : new ConnectOutcome.Failed(targetFeature.Failure ?? new ConnectionFailure(FailureKind.PeerClosed, "connection closed"));
    }

    /// <summary>Why a TCP connect failed, in our words.</summary>
    private ConnectionFailure ConnectFailure(Exception e) => e switch
    {
        _ when _shutdown.IsCancellationRequested => new ConnectionFailure(FailureKind.Local, "messenger is shutting down"),
        OperationCanceledException => new ConnectionFailure(FailureKind.TimedOut, $"connect timed out after {HandshakeTimeout.TotalSeconds:0.###} s"),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new ConnectionFailure(FailureKind.Refused, "connection refused"),
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable } s
            => new ConnectionFailure(FailureKind.Refused, $"{s.SocketErrorCode switch { SocketError.HostUnreachable => "host", SocketError.NetworkUnreachable => "network", _ => "address" }} unreachable"),
        SocketException { SocketErrorCode: SocketError.TimedOut } => new ConnectionFailure(FailureKind.TimedOut, "connect timed out"),
        _ => new ConnectionFailure(FailureKind.Refused, $"connect failed: {e.Message}"),
    };
}
