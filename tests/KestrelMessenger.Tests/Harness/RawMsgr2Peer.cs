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

    public static byte[] MessageBytes(ushort type, ulong seq, byte[] front, FrameCodec? codec = null)
    {
        byte[] header = new byte[MessageHeader.Length];
        new MessageHeader { Seq = seq, Type = type, Priority = MessagePriority.Default, Version = 1, CompatVersion = 1, Flags = 3 }.Write(header);
        var w = new ArrayBufferWriter<byte>();
        (codec ?? CrcFrameCodec.Instance).Write(w, Tag.Message, header, new ReadOnlySequence<byte>(front), default, default);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Banner, HELLO, auth none (authorizer), zero signature, CLIENT_IDENT; returns the SERVER_IDENT.</summary>
    public async Task<ServerIdentFrame> HandshakeAsync(EntityAddr server, bool lossy = true)
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
        var me = new EntityAddr(EntityAddrType.Any, Nonce, new IPEndPoint(IPAddress.Loopback, 0));
        await SendAsync(FrameBytes(new ClientIdentFrame(new EntityAddrVec(me), server, -1, 1, CephFeatures.All, CephFeatures.MsgAddr2, lossy ? IdentFlags.Lossy : 0, lossy ? 0ul : 0x1234)));
        return (await ReadFrameAsync()).As<ServerIdentFrame>();
    }

    public Task ReadBannerAsync() => ReadExactlyAsync(Banner.Length);

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
