using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// A lossless session outlives its sockets: cut them mid-stream and every message still arrives once, in
/// order, under consecutive seqs, on the same session object; dispatchers hear nothing of the faults.
/// Over the in-memory transport and loopback TCP alike.
/// </summary>
public class LosslessSessionTests
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Cuts_mid_stream_lose_duplicate_and_reorder_nothing(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer());
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        const int Count = 20_000;
        MessengerPair.SendNumbered(toB, 0, Count);

        // Cut on either side while the stream flows.
        int cuts = 0;
        foreach (int at in new[] { 2_000, 6_000, 11_000, 15_000 })
        {
            await pair.RecB.WaitForAsync(at);
            cuts += (cuts % 2 == 0 ? pair.CutA : pair.CutB).CutAll();
        }

        await pair.RecB.WaitForAsync(Count);
        SequenceReport report = pair.RecB.Audit.Report(Count);
        Assert.True(report.IsPerfect, report.ToString());
        Assert.True(cuts >= 3, $"only {cuts} sockets were cut");

        // One session each side, the handle the sender holds; seqs never restarted; faults stayed silent.
        Assert.Equal($"1-{Count}", pair.RecB.SeqRuns());
        Assert.Same(toB, pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs));
        Assert.Same(toB, Assert.Single(pair.A.Connections));
        Assert.Single(pair.B.Connections);
        Assert.DoesNotContain(pair.RecA.Events.Concat(pair.RecB.Events), e => e.Event is "reset" or "remote_reset" or "refused");
        Assert.True(pair.RecA.Count("connect") >= 2, "the session reconnected, and each reconnect is a connect event, as in Ceph");
        Assert.Contains(pair.Host.Logs.Lines, l => l.Contains("resumed on a new socket", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Both_directions_replay_on_one_session(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer());
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        MessengerPair.SendNumbered(toB, 0, 10);
        await pair.RecB.WaitForAsync(10);

        // B answers on the session A opened: ConnectTo finds it.
        IConnection toA = pair.B.ConnectTo(EntityType.Osd, pair.A.MyAddrs);
        Assert.Same(toA, Assert.Single(pair.B.Connections));
        const int Count = 5_000;
        MessengerPair.SendNumbered(toB, 10, Count);
        MessengerPair.SendNumbered(toA, 0, Count);
        await pair.RecA.WaitForAsync(1_000);
        pair.CutB.CutAll();
        await pair.RecB.WaitForAsync(3_000);
        pair.CutA.CutAll();

        await pair.RecA.WaitForAsync(Count);
        await pair.RecB.WaitForAsync(Count);
        Assert.True(pair.RecA.Audit.Report(Count).IsPerfect, pair.RecA.Audit.Report(Count).ToString());
        Assert.True(pair.RecB.Audit.Report(Count).IsPerfect, pair.RecB.Audit.Report(Count).ToString());
        Assert.Single(pair.A.Connections);
        Assert.Single(pair.B.Connections);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_idle_session_stands_by_and_reconnects_for_the_next_message(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer());
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        MessengerPair.SendNumbered(toB, 0, 10);
        await pair.RecB.WaitForAsync(10);
        MessengerConnection a = MessengerPair.Session(toB);
        await MessengerPair.AllAckedAsync(toB);

        pair.CutA.CutAll();
        MessengerConnection b = MessengerPair.Session(Assert.Single(pair.B.Connections));
        await Eventually.UntilAsync(() => a.State == SessionState.Standby && b.State == SessionState.Standby, TimeSpan.FromSeconds(10),
            () => $"a {a.State}, b {b.State}");
        await Task.Delay(300);
        Assert.Equal((0, 0), (pair.CutA.Live, pair.CutB.Live));
        Assert.False(toB.IsConnected || toB.IsClosed);

        MessengerPair.SendNumbered(toB, 10, 20);
        await pair.RecB.WaitForAsync(20);
        Assert.True(pair.RecB.Audit.Report(20).IsPerfect);
        Assert.Equal("1-20", pair.RecB.SeqRuns());
        Assert.Same(b, Assert.Single(pair.B.Connections));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_server_policy_never_connects_back_and_delivers_when_the_peer_returns(TransportKind transport)
    {
        // b serves a's sessions statefully (it never connects to a); a stands by when idle.
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer(), Policy.StatefulServer());
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        MessengerPair.SendNumbered(toB, 0, 1);
        await pair.RecB.WaitForAsync(1);
        MessengerConnection a = MessengerPair.Session(toB);
        await MessengerPair.AllAckedAsync(toB);
        pair.CutB.CutAll();
        await Eventually.UntilAsync(() => a.State == SessionState.Standby, TimeSpan.FromSeconds(10), () => $"a is {a.State}");

        IConnection toA = pair.B.ConnectTo(EntityType.Osd, pair.A.MyAddrs);
        MessengerPair.SendNumbered(toA, 0, 100);
        await Task.Delay(500);
        Assert.Equal(0, pair.RecA.Audit.Received);
        Assert.Equal(SessionState.Standby, MessengerPair.Session(toA).State);
        Assert.Equal(0, pair.RecA.Count("accept"));

        MessengerPair.SendNumbered(toB, 1, 2); // a has something to say: it reconnects, and b's queue flows
        await pair.RecA.WaitForAsync(100);
        Assert.True(pair.RecA.Audit.Report(100).IsPerfect);
        Assert.Equal(0, pair.RecA.Count("accept"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_lossy_session_still_ends_on_a_fault_and_drops_what_was_queued(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LossyClient(), Policy.StatelessServer());
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        await toB.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(toB.Handshake!.Lossy);

        pair.CutB.CutAll();
        await toB.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FailureKind.PeerClosed, toB.Failure!.Kind);
        await Eventually.UntilAsync(() => pair.RecA.Count("reset") == 1, TimeSpan.FromSeconds(10), () => "no reset event");
        Assert.False(toB.SendMessage(new Message(0x7000)));
        Assert.NotSame(toB, pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs));
    }
}

[CollectionDefinition(nameof(BufferAccounting), DisableParallelization = true)]
public sealed class BufferAccounting;

/// <summary>Pool accounting, alone so that no other test rents buffers meanwhile.</summary>
[Collection(nameof(BufferAccounting))]
public class BufferAccountingTests
{
    [Fact]
    public async Task Every_pooled_buffer_is_returned_once_after_a_run_with_cuts_and_replays()
    {
        long before = MessageBuffer.LiveBlocks;
        await using (MessengerPair pair = await MessengerPair.StartAsync(TransportKind.Memory, Policy.LosslessPeer()))
        {
            IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
            const int Count = 5_000;
            MessengerPair.SendNumbered(toB, 0, Count);
            await pair.RecB.WaitForAsync(1_000);
            pair.CutA.CutAll();
            await pair.RecB.WaitForAsync(3_000);
            pair.CutB.CutAll();
            await pair.RecB.WaitForAsync(Count);
            Assert.True(pair.RecB.Audit.Report(Count).IsPerfect);
            await MessengerPair.AllAckedAsync(toB);
        }

        // Nothing else runs meanwhile (this collection runs alone): every buffer rented is back, and none twice.
        await Eventually.UntilAsync(() => MessageBuffer.LiveBlocks == before, TimeSpan.FromSeconds(20), () => $"{MessageBuffer.LiveBlocks - before} buffers still out");
    }
}
