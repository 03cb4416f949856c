using KestrelMessenger.Connections;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>
/// A peer that sends requests and never reads the replies stops being read once its connection holds
/// its budget; other connections are served meanwhile, and once the peer reads, every reply arrives.
/// </summary>
public class BackPressureTests
{
    private const ushort Request = 0x7000;
    private const ushort Reply = 0x7001;
    private const int InFlight = 16;

    [Theory]
    // Enough replies to fill the socket buffers (the server's send buffer still autotunes up to 4 MiB) and then the queue.
    [InlineData(1000, 64 * 1024, 1 << 20, 4096)] // 64 KiB replies: the byte bound is what holds
    [InlineData(16_000, 1024, 1L << 30, 100)]    // 1 KiB replies: the message-count bound is what holds
    public async Task A_peer_that_never_reads_its_replies_stops_being_read_and_loses_nothing(int requests, int replySize, long maxBytes, int maxMessages)
    {
        await using MessengerTestHost host = await StartAsync(o =>
        {
            o.MaxOutQueueBytes = maxBytes;
            o.MaxOutQueueMessages = maxMessages;
        });
        host.Get<Replier>().ReplySize = replySize;
        Messenger osd = host.Messenger("osd");

        await using RawMsgr2Peer greedy = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!, receiveBufferSize: 64 * 1024);
        await greedy.HandshakeAsync(osd.MyAddrs[0]);
        // Not awaited yet: once the server stops reading, the last requests wait in the kernel's buffers.
        Task sending = greedy.SendAsync([.. Enumerable.Range(1, requests).SelectMany(i => RawMsgr2Peer.MessageBytes(Request, (ulong)i, [1]))]);

        // Its connection fills up to the bound, and then the server stops reading from it: parked with nothing
        // left in dispatch, nothing can wake the read loop but the peer reading.
        MessengerConnection served = await ConnectionOfAsync(osd, RawMsgr2Peer.Nonce);
        await Eventually.UntilAsync(() => served.Throttle is { IsParked: true, InFlight: 0 },
            TimeSpan.FromSeconds(20), () => $"reading never paused for the out-queue: {served.OutQueue.Count} messages, {served.OutQueue.Bytes} bytes queued");
        Assert.True(host.Get<Replier>().Answered < requests, "the server kept reading requests it could not answer");

        // What the connection ever held: its bound, plus the replies of what was already in dispatch.
        long replyCost = replySize + OutQueue.FrameOverhead;
        Assert.InRange(served.OutQueue.PeakBytes, 0, maxBytes + (InFlight * replyCost));
        Assert.InRange(served.OutQueue.PeakCount, 0, maxMessages + InFlight);
        Assert.InRange(served.Throttle!.PeakInFlight, 0, InFlight);

        // Another client is served as if nothing were wrong.
        IConnection polite = host.Messenger("client").ConnectTo(EntityType.Osd, osd.MyAddrs);
        await polite.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        polite.SendMessage(new Message(Request) { Front = MessageBuffer.CopyOf([2]) });
        await host.Get<ClientRecorder>().Inner.WaitForMessagesAsync(1);

        // Once the greedy peer reads, every request it sent is answered, in order.
        ulong expected = 1;
        while (expected <= (ulong)requests)
        {
            ControlFrameData frame = await greedy.ReadFrameAsync();
            if (frame.Tag == KestrelMessenger.Frames.Tag.Message)
            {
                Assert.Equal(expected++, MessageHeader.Read(frame.Payload.Span).Tid);
            }
        }

        await sending;
    }

    [Fact]
    public async Task Messages_waiting_for_a_slow_dispatcher_stop_the_reads_of_their_connection_only()
    {
        await using MessengerTestHost host = await StartAsync(_ => { });
        Messenger osd = host.Messenger("osd");
        Replier replier = host.Get<Replier>();
        replier.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!);
        await peer.HandshakeAsync(osd.MyAddrs[0]);
        await peer.SendAsync([.. Enumerable.Range(1, 500).SelectMany(i => RawMsgr2Peer.MessageBytes(Request, (ulong)i, [1]))]);

        MessengerConnection served = await ConnectionOfAsync(osd, RawMsgr2Peer.Nonce);
        await Eventually.UntilAsync(() => served.Throttle!.InFlight == InFlight, TimeSpan.FromSeconds(20),
            () => $"{served.Throttle!.InFlight} messages in flight, expected the cap of {InFlight}");
        Assert.Equal(InFlight, served.Throttle!.PeakInFlight);

        replier.Gate.SetResult();
        await Eventually.UntilAsync(() => replier.Answered == 500, TimeSpan.FromSeconds(20), () => $"{replier.Answered} of 500 dispatched");
        Assert.Equal(InFlight, served.Throttle.PeakInFlight);
    }

    private static async Task<MessengerConnection> ConnectionOfAsync(Messenger messenger, uint nonce) => (MessengerConnection)await Eventually.UntilAsync(
        () => messenger.Connections.FirstOrDefault(c => c.PeerAddrs.Count > 0 && c.PeerAddrs[0].Nonce == nonce),
        TimeSpan.FromSeconds(10), () => $"no connection from nonce {nonce}");

    private static Task<MessengerTestHost> StartAsync(Action<MessengerOptions> bounds) =>
        MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephMessenger("osd", o =>
            {
                o.Entity = "osd.0";
                o.BindTo("v2:127.0.0.1:0");
                o.MaxInFlightMessages = InFlight;
                bounds(o);
            }).AddDispatcher<Replier>();
            services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ClientRecorder>();
        });

    /// <summary>Answers each request with a reply of <see cref="ReplySize"/> data bytes, tid = the request's seq.</summary>
    public sealed class Replier : IDispatcher
    {
        private int _answered;

        public int ReplySize { get; set; } = 16;

        public TaskCompletionSource? Gate { get; set; }

        public int Answered => Volatile.Read(ref _answered);

        public async ValueTask<bool> DispatchAsync(Message message)
        {
            if (Gate is not null)
            {
                await Gate.Task;
            }

            message.Connection!.SendMessage(new Message(Reply) { Tid = message.Seq, Data = MessageBuffer.CopyOf(new byte[ReplySize]) });
            Interlocked.Increment(ref _answered);
            return true;
        }
    }
}
