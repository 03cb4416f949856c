using System.Buffers;
using System.Net;
using System.Net.Sockets;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Harness;

/// <summary>A hand-driven msgr2 peer on a real socket, for feeding a messenger exactly the bytes a test wants.</summary>
public sealed class RawMsgr2Peer : IAsyncDisposable
{
    /// <summary>The nonce of the address this peer names itself with in CLIENT_IDENT.</summary>
    public const uint Nonce = 99;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _buffered;

    private RawMsgr2Peer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects; a fixed <paramref name="receiveBufferSize"/> turns off the kernel's autotuning (which can grow to 32 MiB on loopback).</summary>
    public static async Task<RawMsgr2Peer> ConnectAsync(IPEndPoint server, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is int size)
        {
            socket.ReceiveBufferSize = size;
        }

        await socket.ConnectAsync(server);
        return new RawMsgr2Peer(socket);
    }

    /// <summary>How this peer reads frames: crc until a test switches it (as a real peer does after AUTH_DONE).</summary>
    public FrameCodec Codec { get; set; } = CrcFrameCodec.Instance;

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public static byte[] BannerBytes()
    {
        var w = new ArrayBufferWriter<byte>();
        Banner.Write(w, 1, 0);
        return w.WrittenSpan.ToArray();
    }

    public static byte[] FrameBytes(IControlFrame frame, FrameCodec? codec = null)
    {
        using var payload = new DencWriter();
        frame.Encode(payload);
        var w = new ArrayBufferWriter<byte>();
        (codec ?? CrcFrameCodec.Instance).WriteControl(w, frame.Tag, payload.WrittenSpan);
        return w.WrittenSpan.ToArray();
    }

    public static byte[] MessageBytes(ushort type, ulong seq, byte[] front, FrameCodec? codec = null, ulong tid = 0, ulong ackSeq = 0, byte[]? data = null)
    {
        byte[] header = new byte[MessageHeader.Length];
        new MessageHeader { Seq = seq, Tid = tid, AckSeq = ackSeq, Type = type, Priority = MessagePriority.Default, Version = 1, CompatVersion = 1, Flags = 3 }.Write(header);
        var w = new ArrayBufferWriter<byte>();
        (codec ?? CrcFrameCodec.Instance).Write(w, Tag.Message, header, new ReadOnlySequence<byte>(front), default, data is null ? default : new ReadOnlySequence<byte>(data));
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Banner, HELLO, auth none (authorizer), zero signature, CLIENT_IDENT; returns the SERVER_IDENT.</summary>
    public async Task<ServerIdentFrame> HandshakeAsync(EntityAddr server, bool lossy = true)
    {
        await HandshakeUntilSessionAsync(server);
        await SendAsync(FrameBytes(new ClientIdentFrame(MyAddrs, server, -1, 1, CephFeatures.All, CephFeatures.MsgAddr2, lossy ? IdentFlags.Lossy : 0, lossy ? 0ul : 0x1234)));
        return (await ReadFrameAsync()).As<ServerIdentFrame>();
    }

    /// <summary>The address this peer names itself with.</summary>
    public static EntityAddrVec MyAddrs => new(new EntityAddr(EntityAddrType.Any, Nonce, new IPEndPoint(IPAddress.Loopback, 0)));

    /// <summary>Banner, HELLO, auth none (authorizer), zero signature: the session frame is the test's to send.</summary>
    public async Task HandshakeUntilSessionAsync(EntityAddr server)
    {
        await SendAsync(BannerBytes());
        await ReadExactlyAsync(Banner.Length);
        await SendAsync(FrameBytes(new HelloFrame(EntityType.Client, server)));
        (await ReadFrameAsync()).As<HelloFrame>();
        byte[] payload = new AuthNoneClient(AuthEntityName.Parse("client.admin")).RequestPayload(EntityType.Osd);
        await SendAsync(FrameBytes(new AuthRequestFrame(AuthMethod.None, [1u], payload)));
        (await ReadFrameAsync()).As<AuthDoneFrame>();
        await SendAsync(FrameBytes(new AuthSignatureFrame(new byte[32])));
        (await ReadFrameAsync()).As<AuthSignatureFrame>();
    }

    public Task ReadBannerAsync() => ReadExactlyAsync(Banner.Length);

    /// <summary>Accepts one connection on <paramref name="listener"/>: this peer then plays the server.</summary>
    public static async Task<RawMsgr2Peer> AcceptAsync(TcpListener listener, TimeSpan? timeout = null)
    {
        Socket socket = await listener.AcceptSocketAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        socket.NoDelay = true;
        return new RawMsgr2Peer(socket);
    }

    /// <summary>
    /// The server's side up to the session step, as an auth-none daemon of <paramref name="myType"/>: banner,
    /// HELLO, AUTH_DONE, zero AUTH_SIGNATURE. Returns the client's first session frame (CLIENT_IDENT or SESSION_RECONNECT).
    /// </summary>
    public async Task<ControlFrameData> ServeUntilSessionAsync(EntityType myType = EntityType.Osd)
    {
        await SendAsync(BannerBytes());
        await ReadExactlyAsync(Banner.Length);
        HelloFrame hello = (await ReadFrameAsync()).As<HelloFrame>();
        await SendAsync(FrameBytes(new HelloFrame(myType, new EntityAddr(EntityAddrType.Msgr2, 0, new IPEndPoint(IPAddress.Loopback, 0)))));
        (await ReadFrameAsync()).As<AuthRequestFrame>();
        await SendAsync(FrameBytes(new AuthDoneFrame(0, ConnectionMode.Crc, ReadOnlyMemory<byte>.Empty)));
        (await ReadFrameAsync()).As<AuthSignatureFrame>();
        await SendAsync(FrameBytes(new AuthSignatureFrame(new byte[32])));
        _ = hello;
        return await ReadFrameAsync();
    }

    /// <summary>Reads frames until a MESSAGE, answering nothing: returns its header and front (control frames in between are returned to <paramref name="skipped"/>).</summary>
    public async Task<(MessageHeader Header, byte[] Front)> ReadMessageAsync(List<ControlFrameData>? skipped = null)
    {
        while (true)
        {
            var seq = new ReadOnlySequence<byte>(_buffer, 0, _buffered);
            if (Codec.TryDecode(seq, FrameLimits.Default, out Frame frame, out long length))
            {
                if (frame.Tag == Tag.Message)
                {
                    MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
                    byte[] front = frame.Segment1.ToArray();
                    Consume((int)length);
                    return (header, front);
                }

                skipped?.Add(new ControlFrameData(frame.Tag, frame.Segment0.ToArray()));
                Consume((int)length);
                continue;
            }

            await FillAsync();
        }
    }

    public async Task<ControlFrameData> ReadFrameAsync()
    {
        while (true)
        {
            var seq = new ReadOnlySequence<byte>(_buffer, 0, _buffered);
            if (Codec.TryDecode(seq, FrameLimits.Default, out Frame frame, out long length))
            {
                var data = new ControlFrameData(frame.Tag, frame.Segment0.ToArray());
                Consume((int)length);
                return data;
            }

            await FillAsync();
        }
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await _stream.ReadAsync(_buffer.AsMemory(Math.Min(_buffered, _buffer.Length - 1)), cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

    private async Task ReadExactlyAsync(int count)
    {
        while (_buffered < count)
        {
            await FillAsync();
        }

        Consume(count);
    }

    private async Task FillAsync()
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int n = await _stream.ReadAsync(_buffer.AsMemory(_buffered));
        if (n == 0)
        {
            throw new IOException("server closed the connection");
        }

        _buffered += n;
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _buffered - count);
        _buffered -= count;
    }
}
