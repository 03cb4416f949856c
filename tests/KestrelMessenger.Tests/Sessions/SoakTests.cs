using KestrelMessenger.Tests.Harness;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>
/// The soak tool (perf/KestrelMessenger.Soak), bounded: one lossless session between two processes over TCP,
/// the receiver cutting its socket every ~120 messages and ms_inject_socket_failures on both sides. This
/// cross-process run is what found a race between a socket's own fault and the peer's reconnect taking the
/// session over.
/// </summary>
[Collection(nameof(CpuHeavy))]
public class SoakTests
{
    [Fact]
    public async Task Two_hundred_thousand_messages_between_two_processes_under_cuts_and_injected_failures_arrive_once_and_in_order()
    {
        (int exit, string output, string errors) = await Processes.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "KestrelMessenger.Soak.dll"), "--messages", "200000", "--cut-every", "120", "--inject", "60", "--no-baseline", "--timeout", "120"],
            TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{errors}");
        string pass = Assert.Single(output.Split('\n'), l => l.Contains("with faults", StringComparison.Ordinal));
        Assert.Contains("200,000 in", pass, StringComparison.Ordinal);
        Assert.Contains(": 0 lost, 0 duplicated, 0 reordered,", pass, StringComparison.Ordinal);
        Assert.DoesNotContain(" 0 cuts", pass, StringComparison.Ordinal);
    }
}

/// <summary>Tests that keep both cores busy for seconds run alone, so that the timing of others (handshake deadlines) is not theirs to bear.</summary>
[CollectionDefinition(nameof(CpuHeavy), DisableParallelization = true)]
public sealed class CpuHeavy;
