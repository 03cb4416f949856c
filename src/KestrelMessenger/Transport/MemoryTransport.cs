using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelMessenger.Transport;

/// <summary>
/// An in-process transport: "addresses" are IP endpoints in a private table and connections are
/// pairs of pipes. Kestrel accepts from it exactly as from sockets, so tests run the real server
/// pipeline and middleware with no ports.
/// </summary>
public sealed class MemoryTransport : IMessengerTransport, IConnectionListenerFactory, IConnectionFactory
{
    private readonly ConcurrentDictionary<IPEndPoint, Listener> _listeners = new();
    private int _nextPort = 40000;
    private long _nextConnection;

    /// <inheritdoc />
    public IConnectionListenerFactory Listeners => this;

    /// <inheritdoc />
    public IConnectionFactory Connections => this;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var ip = (IPEndPoint)endpoint;
        if (ip.Port == 0)
        {
            ip = new IPEndPoint(ip.Address, Interlocked.Increment(ref _nextPort));
        }

        var listener = new Listener(this, ip);
        if (!_listeners.TryAdd(ip, listener))
        {
            throw new AddressInUseException($"memory address {ip} is already bound");
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <inheritdoc />
    public ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip || !_listeners.TryGetValue(ip, out Listener? listener))
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        var toServer = new Pipe();
        var toClient = new Pipe();
        var clientEnd = new IPEndPoint(IPAddress.Loopback, 50000 + (int)(Interlocked.Increment(ref _nextConnection) % 15000));
        long id = Interlocked.Increment(ref _nextConnection);
        var server = new MemoryConnection($"mem-s{id}", toServer.Reader, toClient.Writer, local: ip, remote: clientEnd);
        var client = new MemoryConnection($"mem-c{id}", toClient.Reader, toServer.Writer, local: clientEnd, remote: ip);
        if (!listener.Offer(server))
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        return ValueTask.FromResult<ConnectionContext>(client);
    }

    private sealed class Listener(MemoryTransport owner, IPEndPoint endPoint) : IConnectionListener
    {
        private readonly Channel<ConnectionContext> _pending = Channel.CreateUnbounded<ConnectionContext>();

        public EndPoint EndPoint => endPoint;

        public bool Offer(ConnectionContext connection) => _pending.Writer.TryWrite(connection);

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _pending.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            owner._listeners.TryRemove(new KeyValuePair<IPEndPoint, Listener>(endPoint, this));
            _pending.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }

    private sealed class MemoryConnection : ConnectionContext
    {
        private readonly CancellationTokenSource _closed = new();
        private readonly PipeReader _input;
        private readonly PipeWriter _output;

        public MemoryConnection(string id, PipeReader input, PipeWriter output, EndPoint local, EndPoint remote)
        {
            ConnectionId = id;
            _input = input;
            _output = output;
            Transport = new DuplexPipe(input, output);
            LocalEndPoint = local;
            RemoteEndPoint = remote;
            ConnectionClosed = _closed.Token;
        }

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            // Like a socket reset: the peer sees end-of-stream, our pending read wakes up.
            _output.Complete();
            _input.CancelPendingRead();
            Cancel();
        }

        public override ValueTask DisposeAsync()
        {
            _output.Complete();
            _input.Complete();
            Cancel();
            return ValueTask.CompletedTask;
        }

        private void Cancel()
        {
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
