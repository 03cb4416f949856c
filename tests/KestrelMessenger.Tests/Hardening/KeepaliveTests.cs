using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>Keepalives coalesce: a flood of KEEPALIVE2 costs one pending ack, and it is the latest stamp that is acknowledged.</summary>
public class KeepaliveTests
{
    [Fact]
    public void Only_the_latest_stamps_wait_to_be_sent()
    {
        var queue = new OutQueue();
        for (uint i = 1; i <= 1000; i++)
        {
            queue.EnqueueKeepaliveAck(new UTime(i, 0));
            queue.EnqueueKeepalive(new UTime(i, 5));
        }

        OutQueue.Control due = queue.Drain([], 64);
        Assert.Equal(new UTime(1000, 0), due.KeepaliveAck);
        Assert.Equal(new UTime(1000, 5), due.Keepalive);
        Assert.Equal(default, queue.Drain([], 64));
    }

    [Fact]
    public void An_ack_of_the_latest_stamp_completes_every_ping_sent_before_it()
    {
        var pings = new PingTracker();
        var first = new TaskCompletionSource<TimeSpan>();
        var second = new TaskCompletionSource<TimeSpan>();
        var third = new TaskCompletionSource<TimeSpan>();
        pings.Add(first);
        UTime latest = pings.Add(second);
        pings.Add(third);

        pings.Acked(latest);
        Assert.True(first.Task.IsCompletedSuccessfully && second.Task.IsCompletedSuccessfully);
        Assert.False(third.Task.IsCompleted);
    }

    [Fact]
    public void Stamps_increase_even_when_the_clock_does_not()
    {
        var pings = new PingTracker();
        UTime[] stamps = [.. Enumerable.Range(0, 10_000).Select(_ => pings.NextStamp())];
        Assert.All(stamps.Zip(stamps.Skip(1)), pair => Assert.True(pair.First.Ticks < pair.Second.Ticks));
    }

    [Fact]
    public async Task A_flood_of_keepalives_is_answered_with_the_latest_stamp_not_one_ack_each()
    {
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("osd", o => { o.Entity = "osd.0"; o.BindTo("v2:127.0.0.1:0"); }));
        Messenger osd = host.Messenger("osd");
        await using RawMsgr2Peer peer = await RawMsgr2Peer.ConnectAsync(osd.MyAddrs[0].EndPoint!);
        await peer.HandshakeAsync(osd.MyAddrs[0]);

        const int Keepalives = 50_000;
        await peer.SendAsync([.. Enumerable.Range(1, Keepalives).SelectMany(i => RawMsgr2Peer.FrameBytes(new Keepalive2Frame(new UTime((uint)i, 0))))]);

        int acks = 0;
        while (true)
        {
            Keepalive2AckFrame ack = (await peer.ReadFrameAsync()).As<Keepalive2AckFrame>();
            acks++;
            if (ack.Timestamp == new UTime(Keepalives, 0))
            {
                break;
            }
        }

        // One ack per keepalive would be 50,000 frames queued; coalesced, the writer sends one per drain.
        Assert.True(acks < Keepalives, $"{acks} acks for {Keepalives} keepalives");
    }
}
