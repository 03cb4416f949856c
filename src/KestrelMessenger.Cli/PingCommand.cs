using System.CommandLine;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Cli;

/// <summary><c>kmsgr ping ADDR</c>: handshake with any msgr2 endpoint, then time KEEPALIVE2 round trips.</summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("ADDR") { Description = "msgr2 address as Ceph writes it: v2:IP:PORT[/NONCE] (nonce 0 for monitors)" };
        var count = new Option<int>("--count", "-c") { Description = "keepalives to send", DefaultValueFactory = _ => 4 };
        var entity = new Option<string>("--entity", "-n") { Description = "auth name to present", DefaultValueFactory = _ => "client.admin" };
        var timeout = new Option<double>("--timeout", "-t") { Description = "seconds to wait for the handshake and each reply", DefaultValueFactory = _ => 10 };
        var command = new Command("ping", $"Connect to a Ceph msgr2 endpoint, complete the handshake, time keepalives. {ExitCodes.Help}")
        {
            address, count, entity, timeout,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(address)!, parse.GetValue(count), parse.GetValue(entity)!, parse.GetValue(timeout), ct));
        return command;
    }

    private static async Task<int> RunAsync(string address, int count, string entity, double timeoutSeconds, CancellationToken ct)
    {
        if (!EntityAddr.TryParse(address, EntityAddrType.Msgr2, out EntityAddr? target) || target.EndPoint is null || target.Type != EntityAddrType.Msgr2)
        {
            Console.Error.WriteLine($"kmsgr: '{address}' is not a msgr2 address (v2:IP:PORT[/NONCE])");
            return ExitCodes.Usage;
        }

        if (count < 1 || timeoutSeconds <= 0)
        {
            Console.Error.WriteLine("kmsgr: --count must be at least 1 and --timeout positive");
            return ExitCodes.Usage;
        }

        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        using ILoggerFactory logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.None));
        using var transport = new SocketMessengerTransport(logs);
        await using var messenger = new Messenger("kmsgr", new MessengerOptions { Entity = "client.-1", AuthName = entity, HandshakeTimeout = timeout }, transport, logs);
        await messenger.StartAsync(ct);

        IConnection connection = messenger.ConnectTo(EntityType.Any, target);
        var rtts = new List<TimeSpan>(count);
        try
        {
            // The first keepalive waits for READY, so it times the handshake too: it is not counted. The
            // messenger gives up on the connect and the handshake by itself (and says why), so no
            // deadline of our own races its verdict here.
            await connection.PingAsync(ct);
            for (int i = 0; i < count; i++)
            {
                rtts.Add(await connection.PingAsync(ct).WaitAsync(timeout, ct));
            }
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"kmsgr: {target}: no KEEPALIVE2_ACK within {timeoutSeconds} s");
            return ExitCodes.Timeout;
        }
        catch (Exception) when (connection.Failure is ConnectionFailure failure)
        {
            Console.Error.WriteLine($"kmsgr: {target}: {failure.Reason}");
            return ExitCodes.For(failure.Kind);
        }

        HandshakeResult h = connection.Handshake!;
        double[] micros = [.. rtts.Select(r => r.TotalMicroseconds).Order()];
        Console.WriteLine($"peer      {connection.PeerName} at {target}");
        Console.WriteLine($"addrs     {connection.PeerAddrs}");
        Console.WriteLine($"features  0x{h.PeerFeatures:x16} (common 0x{h.Features:x16})");
        Console.WriteLine($"mode      {h.Mode.ToString().ToLowerInvariant()}, {(h.Lossy ? "lossy" : "lossless")}, global_id {h.GlobalId}, handshake {h.Duration.TotalMilliseconds:0.###} ms");
        Console.WriteLine($"keepalive {count} sent, {count} acked; rtt min/avg/p99 = {micros[0]:0}/{micros.Average():0}/{Percentile(micros, 0.99):0} us");
        connection.MarkDown();
        return ExitCodes.Ok;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
