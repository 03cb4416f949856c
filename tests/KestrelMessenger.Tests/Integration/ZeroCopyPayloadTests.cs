using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger.Tests.Integration;

/// <summary>
/// Over real sockets a large data segment is taken where the socket received it and sent from where it
/// lies: no copy either way, and still the right bytes, however long a message is kept and whatever
/// flows after it.
/// </summary>
public class ZeroCopyPayloadTests
{
    private const ushort Bulk = 0x7001;
    private const int Length = (1 << 20) + 123; // not a multiple of the block: partial blocks at both ends

    [Fact]
    public async Task A_kept_payload_received_in_place_stays_intact_while_more_flows_and_goes_back_unchanged()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.3";
                o.BindTo("v2:127.0.0.1:0");
            }).AddDispatcher<OsdKeeper>();
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientKeeper>();
        });
        IConnection toOsd = host.Messenger("client").ConnectTo(EntityType.Osd, host.Messenger("osd").MyAddrs);
        const int Count = 12;
        for (int i = 0; i < Count; i++)
        {
            Assert.True(toOsd.SendMessage(new Message(Bulk) { Tid = (ulong)i, Data = MessageBuffer.CopyOf(Pattern(i)) }));
        }

        OsdKeeper osd = host.Get<OsdKeeper>();
        await Eventually.UntilAsync(() => osd.Kept.Count == Count, TimeSpan.FromSeconds(30), () => $"{osd.Kept.Count} of {Count} kept");

        // Every kept payload is the bytes sent, though eleven more megabytes went through the same socket's
        // blocks after the first; each still points where the socket put it, and carries its checked CRC.
        foreach (Message kept in osd.Kept.Values)
        {
            Assert.Equal(Pattern((int)kept.Tid), kept.Data.Sequence.ToArray());
            Assert.False(kept.Data.IsSingleSegment, "a large data segment is adopted in the socket's blocks, not copied into one array");
            Assert.True(kept.Data.TryGetSegmentCrc(out uint crc));
            Assert.Equal(Crc32C.Segment(Pattern((int)kept.Tid)), crc);
        }

        // Sent back from those blocks (lent to the socket's pipe, CRC reused): the client gets the same bytes.
        IConnection back = osd.Kept.Values.First().Connection!;
        foreach (Message kept in osd.Kept.Values)
        {
            Assert.True(back.SendMessage(new Message(Bulk) { Tid = kept.Tid, Data = kept.Data.Share() }));
        }

        ClientKeeper client = host.Get<ClientKeeper>();
        await Eventually.UntilAsync(() => client.Kept.Count == Count, TimeSpan.FromSeconds(30), () => $"{client.Kept.Count} of {Count} back");
        foreach (Message returned in client.Kept.Values)
        {
            Assert.Equal(Pattern((int)returned.Tid), returned.Data.Sequence.ToArray());
        }

        osd.Release();
        client.Release();
    }

    [Fact]
    public async Task Bytes_a_socket_received_are_sent_on_from_where_they_lie_not_from_a_copy()
    {
        using var transport = new SocketMessengerTransport(NullLoggerFactory.Instance);
        await using IConnectionListener listener = await transport.Listeners.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        ValueTask<ConnectionContext?> accepting = listener.AcceptAsync();
        await using ConnectionContext dialled = await transport.Connections.ConnectAsync(listener.EndPoint);
        await using ConnectionContext accepted = (await accepting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)))!;
        byte[] original = Pattern(7);
        await dialled.Transport.Output.WriteAsync(original);

        MessageBuffer? received = null;
        await ReadAsync(accepted, Length, bytes => Assert.True(MessageBuffer.TryAdopt(bytes, out received), "bytes in the socket's blocks are adopted"));
        using MessageBuffer payload = received!;
        accepted.Transport.Output.Write("head"u8); // the pipe's current block has room left, but not a whole loan's worth
        uint crc = payload.WriteTo(accepted.Transport.Output);
        Assert.Equal(Crc32C.Segment(original), crc);

        // Scribble on the blocks the payload lies in after it was written but before it is sent. A copy
        // would not see it; whole 64 KiB blocks are lent to the pipe and do, partial ones were copied.
        var expected = new List<byte>("head"u8.ToArray());
        foreach (ReadOnlyMemory<byte> piece in payload.Sequence)
        {
            Assert.True(MemoryMarshal.TryGetArray(piece, out ArraySegment<byte> block));
            bool lent = piece.Length == PayloadLoan.Size;
            expected.AddRange(lent ? Enumerable.Repeat((byte)0xEE, piece.Length) : piece.ToArray());
            block.AsSpan().Fill(0xEE);
        }

        await accepted.Transport.Output.FlushAsync();
        byte[] got = [];
        await ReadAsync(dialled, 4 + Length, bytes => got = bytes.ToArray());
        Assert.Equal(expected, got);
        Assert.Contains((byte)0xEE, got); // 1 MiB holds whole blocks: some were lent
    }

    [Fact]
    public void A_writer_on_a_pipe_that_does_not_take_loans_copies_every_byte()
    {
        byte[] original = Pattern(3);
        using MessageBuffer payload = MessageBuffer.CopyOf(original);
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        uint crc = payload.WriteTo(output);

        Assert.Equal(original, output.WrittenSpan.ToArray());
        Assert.Equal(Crc32C.Segment(original), crc);
    }

    /// <summary>Waits until <paramref name="length"/> bytes are buffered, shows them to <paramref name="take"/>, then consumes them.</summary>
    private static async Task ReadAsync(ConnectionContext connection, int length, Action<ReadOnlySequence<byte>> take)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            System.IO.Pipelines.ReadResult read = await connection.Transport.Input.ReadAsync(cts.Token);
            if (read.Buffer.Length >= length)
            {
                take(read.Buffer.Slice(0, length));
                connection.Transport.Input.AdvanceTo(read.Buffer.GetPosition(length));
                return;
            }

            connection.Transport.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static byte[] Pattern(int seed)
    {
        var bytes = new byte[Length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Keeps every bulk message it is given (a reference of its own), by tid.</summary>
    public abstract class Keeper : IDispatcher
    {
        private readonly ConcurrentQueue<IDisposable> _references = new();

        public ConcurrentDictionary<ulong, Message> Kept { get; } = new();

        public ValueTask<bool> DispatchAsync(Message message)
        {
            if (message.Type != Bulk)
            {
                return ValueTask.FromResult(false);
            }

            _references.Enqueue(message.Retain());
            Kept[message.Tid] = message;
            return ValueTask.FromResult(true);
        }

        public void Release()
        {
            while (_references.TryDequeue(out IDisposable? reference))
            {
                reference.Dispose();
            }
        }
    }

    public sealed class OsdKeeper : Keeper;

    public sealed class ClientKeeper : Keeper;
}
