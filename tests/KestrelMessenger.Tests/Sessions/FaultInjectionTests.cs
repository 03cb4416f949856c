using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Tests.Sessions;

/// <summary>Ceph's ms_inject_* options, and a bounded run under injected socket failures that loses nothing.</summary>
[Collection(nameof(CpuHeavy))]
public class FaultInjectionTests
{
    public static TheoryData<TransportKind> Transports => new() { TransportKind.Memory, TransportKind.Tcp };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_hundred_thousand_messages_under_injected_socket_failures_arrive_once_and_in_order(TransportKind transport)
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(transport, Policy.LosslessPeer(),
            tweak: o => o.FaultInjection = new FaultInjectionOptions { SocketFailures = 50, Seed = 42 });
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        const int Count = 100_000;
        for (int from = 0; from < Count; from += 10_000)
        {
            MessengerPair.SendNumbered(toB, from, from + 10_000);
            await pair.RecB.WaitForAsync(from, TimeSpan.FromSeconds(60)); // keep the queue short: a sender paced by its receiver
        }

        await pair.RecB.WaitForAsync(Count, TimeSpan.FromSeconds(120));
        SequenceReport report = pair.RecB.Audit.Report(Count);
        int injected = pair.Host.Logs.Lines.Count(l => l.Contains("injecting a socket failure", StringComparison.Ordinal));
        Assert.True(report.IsPerfect, $"{report} after {injected} injected socket failures");
        Assert.True(injected >= 10, $"only {injected} socket failures were injected");
        Assert.Equal($"1-{Count}", pair.RecB.SeqRuns());
        Assert.Same(toB, Assert.Single(pair.A.Connections));
        Assert.DoesNotContain(pair.RecA.Events.Concat(pair.RecB.Events), e => e.Event is "reset" or "remote_reset");
    }

    [Fact]
    public async Task Injected_delivery_delays_hold_messages_back_without_reordering_them()
    {
        await using MessengerPair pair = await MessengerPair.StartAsync(TransportKind.Memory, Policy.LosslessPeer(),
            tweak: o => o.FaultInjection = new FaultInjectionOptions { DelayType = "osd", DelayProbability = 0.2, DelayMax = 0.01, Seed = 7 });
        IConnection toB = pair.A.ConnectTo(EntityType.Osd, pair.B.MyAddrs);
        MessengerPair.SendNumbered(toB, 0, 2_000);
        await pair.RecB.WaitForAsync(2_000);
        Assert.True(pair.RecB.Audit.Report(2_000).IsPerfect, pair.RecB.Audit.Report(2_000).ToString());
        Assert.Contains(pair.Host.Logs.Lines, l => l.Contains("fault injection on", StringComparison.Ordinal) && l.Contains("'osd' probability 0.2", StringComparison.Ordinal));
    }

    [Fact]
    public void The_options_bind_from_the_Ceph_section_with_Cephs_names()
    {
        ServiceProvider services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ceph:ms_inject_socket_failures"] = "500",
                ["Ceph:ms_inject_delay_type"] = "osd mon",
                ["Ceph:ms_inject_delay_max"] = "0.5",
                ["Ceph:ms_inject_delay_probability"] = "0.1",
                ["Ceph:ms_inject_internal_delays"] = "0.002",
                ["Ceph:ms_inject_seed"] = "9",
            }).Build())
            .AddCephMessenger("m").Services.BuildServiceProvider();
        FaultInjectionOptions o = services.GetRequiredService<IOptions<FaultInjectionOptions>>().Value;
        Assert.Equal((500, "osd mon", 0.5, 0.1, 0.002, (int?)9), (o.SocketFailures, o.DelayType, o.DelayMax, o.DelayProbability, o.InternalDelays, o.Seed));
        Assert.True(o.Enabled);
        Assert.False(new FaultInjectionOptions().Enabled);
    }

    [Theory]
    [InlineData(-1, "", 0, 0, "ms_inject_socket_failures -1")]
    [InlineData(0, "", 1.5, 0, "ms_inject_delay_probability 1.5")]
    [InlineData(0, "osd wizard", 0.1, 0, "ms_inject_delay_type names 'wizard'")]
    [InlineData(0, "", 0, -2, "ms_inject_internal_delays -2")]
    public void Bad_values_are_refused_naming_the_option(int failures, string delayType, double probability, double internalDelays, string problem)
    {
        var options = new MessengerOptions
        {
            FaultInjection = new FaultInjectionOptions { SocketFailures = failures, DelayType = delayType, DelayProbability = probability, InternalDelays = internalDelays },
        };
        Assert.Contains(options.Validate(), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_seed_gives_each_connection_the_same_dice()
    {
        var one = new FaultInjection(new FaultInjectionOptions { SocketFailures = 10, Seed = 5 });
        var two = new FaultInjection(new FaultInjectionOptions { SocketFailures = 10, Seed = 5 });
        int[] Rolls(FaultInjection f)
        {
            Random first = f.ForConnection();
            Random second = f.ForConnection();
            return [.. Enumerable.Range(0, 20).Select(_ => first.Next(10)), .. Enumerable.Range(0, 20).Select(_ => second.Next(10))];
        }

        Assert.Equal(Rolls(one), Rolls(two));
    }
}
