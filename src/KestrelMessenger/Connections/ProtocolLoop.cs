using System.Threading.Channels;
using KestrelMessenger.Protocol;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Connections;

/// <summary>
/// One socket of a session in READY (Ceph's READY state of <c>ProtocolV2</c> on one <c>AsyncConnection</c>
/// socket): one read loop and one write loop over the frame codec the handshake negotiated. It ends in a
/// fault (the first of: the reader's, the writer's, or an abort), which it returns; what then happens to
/// the session is the session's business.
/// </summary>
internal sealed class ProtocolLoop
{
    private readonly MessengerConnection _session;
    private readonly IConnectionOwner _owner;
    private readonly ConnectionContext _transport;
    private readonly HandshakeResult _handshake;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<ConnectionFailure> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionFailure? _fault;

    public ProtocolLoop(MessengerConnection session, IConnectionOwner owner, ConnectionContext transport, HandshakeResult handshake)
    {
        _session = session;
        _owner = owner;
        _transport = transport;
        _handshake = handshake;
    }

    /// <summary>Completes with the fault once both loops have stopped.</summary>
    public Task<ConnectionFailure> Ended => _ended.Task;

    /// <summary>The peer's address as the socket sees it.</summary>
    public string Remote => _transport.RemoteEndPoint?.ToString() ?? "?";

    /// <summary>Runs both loops until the socket faults; returns why.</summary>
    public async Task<ConnectionFailure> RunAsync(ChannelReader<bool> wakeWriter, ConnectionThrottle throttle, ThrottleLimits limits)
    {
        try
        {
            var writer = new ConnectionWriter(_owner, _session.OutQueue, _session.Session, wakeWriter, _handshake.Features, !_handshake.Lossy,
                    limits, Fault, _session.Written, _handshake.Codec)
                .RunAsync(_transport.Transport.Output, _stopping.Token);
            ConnectionFailure readerEnded = await new ConnectionReader(_session, _owner, throttle, _handshake.Codec)
                .RunAsync(_transport.Transport.Input, _stopping.Token);
            Fault(readerEnded);
            await writer;
            ConnectionFailure fault = Volatile.Read(ref _fault)!;
            _ended.TrySetResult(fault);
            return fault;
        }
        catch (Exception e)
        {
            _ended.TrySetException(e);
            throw;
        }
    }

    /// <summary>Ends the socket (a replacement took the session over, the session closed, the host stops, or it sat idle).</summary>
    public void Abort(string reason) => Fault(new ConnectionFailure(FailureKind.Local, reason));

    /// <summary>Ends the socket as failed by the transport (idle timeout, injected failure).</summary>
    public void Fail(ConnectionFailure failure) => Fault(failure);

    private void Fault(ConnectionFailure failure)
    {
        if (Interlocked.CompareExchange(ref _fault, failure, null) is null)
        {
            _stopping.Cancel();
            _transport.Abort(new ConnectionAbortedException(failure.Reason));
        }
    }
}
