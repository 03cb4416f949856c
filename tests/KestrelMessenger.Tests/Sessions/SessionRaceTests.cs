using KestrelMessenger.Connections;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// Both peers connect (or reconnect) to each other at once: Ceph's race rules leave one session per side
/// (the lower address's connection wins, the other is told WAIT), and nothing is lost. A short
/// <c>ms_inject_internal_delays</c> holds each server's decision long enough for the two to meet.
/// </summary>
public class SessionRaceTests
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    private static void WidenRaces(MessengerOptions o) => o.FaultInjection = new FaultInjectionOptions { InternalDelays = 0.2, Seed = 1 };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Connecting_at_once_ends_with_one_session_each_way_and_loses_nothing(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer(), tweak: WidenRaces);
        const int Count = 1_000;
        IConnection toB = null!, toA = null!;
        await Task.WhenAll(
            Task.Run(() => { toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs); MessengerPair.SendNumbered(toB, 0, Count); }),
            Task.Run(() => { toA = pair.B.ConnectTo(EntityType.Osd, pair.A.MyAddrs); MessengerPair.SendNumbered(toA, 0, Count); }));

        await pair.RecA.WaitForAsync(Count);
        await pair.RecB.WaitForAsync(Count);
        Assert.True(pair.RecA.Audit.Report(Count).IsPerfect, pair.RecA.Audit.Report(Count).ToString());
        Assert.True(pair.RecB.Audit.Report(Count).IsPerfect, pair.RecB.Audit.Report(Count).ToString());

        // The race was real: one server said WAIT, the other took its own session over with the winner's socket.
        Assert.Contains(pair.Host.Logs.Lines, l => l.Contains("Wait", StringComparison.Ordinal));
        Assert.Contains(pair.Host.Logs.Lines, l => l.Contains("Reuse", StringComparison.Ordinal));
        Assert.Same(toB, Assert.Single(pair.A.Connections));
        Assert.Same(toA, Assert.Single(pair.B.Connections));
        Assert.True(toA.IsConnected && toB.IsConnected);
        Assert.DoesNotContain(pair.RecA.Events.Concat(pair.RecB.Events), e => e.Event is "reset" or "remote_reset");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Reconnecting_at_once_after_a_cut_resumes_one_session_and_loses_nothing(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer(), tweak: WidenRaces);
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        MessengerPair.SendNumbered(toB, 0, 1);
        await pair.RecB.WaitForAsync(1);
        IConnection toA = pair.B.ConnectTo(EntityType.Osd, pair.A.MyAddrs);

        // Both sides have plenty queued when the socket goes, so both reconnect at once.
        const int Count = 20_000;
        MessengerPair.SendNumbered(toB, 1, Count);
        MessengerPair.SendNumbered(toA, 0, Count);
        await pair.RecB.WaitForAsync(2_000);
        pair.CutA.CutAll();
        pair.CutB.CutAll();

        await pair.RecA.WaitForAsync(Count);
        await pair.RecB.WaitForAsync(Count);
        Assert.True(pair.RecA.Audit.Report(Count).IsPerfect, pair.RecA.Audit.Report(Count).ToString());
        Assert.True(pair.RecB.Audit.Report(Count).IsPerfect, pair.RecB.Audit.Report(Count).ToString());
        Assert.Same(toB, Assert.Single(pair.A.Connections));
        Assert.Same(toA, Assert.Single(pair.B.Connections));
        Assert.Equal($"1-{Count}", pair.RecA.SeqRuns());
        Assert.Equal($"1-{Count}", pair.RecB.SeqRuns());
    }
}
