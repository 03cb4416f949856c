using KestrelMessenger.Protocol.Sessions;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>Ceph 16.2's ProtocolV2::_fault for a session, case by case.</summary>
public class FaultRulesTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(0.2);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(15);

    // A lossless peer session (no standby, may connect) that was READY with something queued.
    private static readonly SessionFault Busy = new(
        FaultPhase.Ready, Lossy: false, Queued: true, KeepalivePending: false, PolicyStandby: false, PolicyServer: false, CanConnect: true, Backoff: TimeSpan.Zero);

    public static TheoryData<string, SessionFault, FaultAction> Rows => new()
    {
        { "lossy, in READY: the session ends", Busy with { Lossy = true }, new FaultAction.Close() },
        { "lossy, while connecting: ends too (as before; the MonClient hunts on)", Busy with { Lossy = true, Phase = FaultPhase.Connecting }, new FaultAction.Close() },
        { "lossy, after WAIT: ends", Busy with { Lossy = true, Phase = FaultPhase.Wait }, new FaultAction.Close() },
        { "lossless, READY, something queued: reconnect at once", Busy, new FaultAction.Reconnect(TimeSpan.Zero) },
        { "lossless, READY, nothing queued, no standby: reconnect at once", Busy with { Queued = false }, new FaultAction.Reconnect(TimeSpan.Zero) },
        { "standby policy, nothing queued: stand by", Busy with { Queued = false, PolicyStandby = true }, new FaultAction.Standby() },
        { "standby policy, something queued: reconnect", Busy with { PolicyStandby = true }, new FaultAction.Reconnect(TimeSpan.Zero) },
        { "standby policy, a keepalive pending: reconnect", Busy with { Queued = false, PolicyStandby = true, KeepalivePending = true }, new FaultAction.Reconnect(TimeSpan.Zero) },
        { "standby policy, nothing queued, after WAIT: retry after the longest backoff", Busy with { Queued = false, PolicyStandby = true, Phase = FaultPhase.Wait }, new FaultAction.Reconnect(Max) },
        { "server policy: stand by even with something queued", Busy with { PolicyServer = true }, new FaultAction.Standby() },
        { "server policy after WAIT: stand by", Busy with { PolicyServer = true, Phase = FaultPhase.Wait }, new FaultAction.Standby() },
        { "no address to connect to: stand by", Busy with { CanConnect = false }, new FaultAction.Standby() },
        { "first failed connect: the initial backoff", Busy with { Phase = FaultPhase.Connecting }, new FaultAction.Reconnect(Initial) },
        { "another failed connect: double it", Busy with { Phase = FaultPhase.Connecting, Backoff = TimeSpan.FromSeconds(0.8) }, new FaultAction.Reconnect(TimeSpan.FromSeconds(1.6)) },
        { "doubling stops at the maximum", Busy with { Phase = FaultPhase.Connecting, Backoff = TimeSpan.FromSeconds(10) }, new FaultAction.Reconnect(Max) },
        { "WAIT: the longest backoff at once", Busy with { Phase = FaultPhase.Wait }, new FaultAction.Reconnect(Max) },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_fault_is_handled_as_Ceph_handles_it(string what, SessionFault fault, FaultAction action)
    {
        Assert.True(action == FaultRules.OnFault(fault, Initial, Max), $"{what}: got {FaultRules.OnFault(fault, Initial, Max)}");
    }

    [Theory]
    [InlineData(true, false, true, true)]
    [InlineData(false, false, true, false)] // a keepalive alone does not wake a standby session
    [InlineData(true, true, true, false)]   // a server never connects back
    [InlineData(true, false, false, false)] // nowhere to connect to
    public void A_standby_session_wakes_only_for_a_message_it_may_deliver(bool messageQueued, bool policyServer, bool canConnect, bool wakes)
    {
        Assert.Equal(wakes, FaultRules.WakesFromStandby(messageQueued, policyServer, canConnect));
    }

    [Fact]
    public void Backoff_starts_at_the_initial_and_doubles_to_the_maximum()
    {
        TimeSpan b = TimeSpan.Zero;
        var seen = new List<double>();
        for (int i = 0; i < 9; i++)
        {
            b = FaultRules.NextBackoff(b, Initial, Max);
            seen.Add(b.TotalSeconds);
        }

        Assert.Equal([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 15, 15], seen.Select(s => Math.Round(s, 3)));
    }
}
