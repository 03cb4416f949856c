using System.CommandLine;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Cli;

/// <summary>
/// <c>kmsgr ping ADDR</c>: handshake with any msgr2 endpoint, then time KEEPALIVE2 round trips. With a
/// keyring (Ceph's rules) it speaks cephx, logging in to a monitor first when the target is not one.
/// </summary>
internal static class PingCommand
{
    private const string Description =
        "Connect to a Ceph msgr2 endpoint, complete the handshake, time keepalives. Takes Ceph's -c/-n/--id/-k/--key/-m and CEPH_ARGS, CEPH_CONF, CEPH_KEYRING: " +
        "with a keyring (-k, the conf's keyring, or Ceph's default search) it authenticates with cephx, else with auth none. " +
        "A cephx ping of anything but a monitor first logs in to a monitor of -m or the conf's mon_host for the ticket (none configured: exit 6). " +
        ExitCodes.Help;

    public static Command Create()
    {
        var address = new Argument<string>("ADDR") { Description = "msgr2 address as Ceph writes it: v2:IP:PORT[/NONCE] (nonce 0 for monitors)" };
        var count = new Option<int>("--count") { Description = "keepalives to send", DefaultValueFactory = _ => 4 };
        var timeout = new Option<double>("--timeout", "-t") { Description = "seconds to wait for the handshake and each reply", DefaultValueFactory = _ => 10 };
        var conf = new Option<string?>("--conf", "-c") { Description = "ceph.conf to read (Ceph's default search, or CEPH_CONF, when not given)" };
        var name = new Option<string?>("--name", "-n", "--entity") { Description = "who we are, TYPE.ID (default client.admin)" };
        var id = new Option<string?>("--id", "--user") { Description = "our ID, the type staying client (--id admin is client.admin)" };
        var keyring = new Option<string?>("--keyring", "-k") { Description = "keyring file (or a list, tried in order)" };
        var key = new Option<string?>("--key") { Description = "our key, base64 (visible to other users of this machine: prefer -k)" };
        var keyFile = new Option<string?>("--keyfile", "-K") { Description = "file holding only our key, base64" };
        var monHost = new Option<string?>("--mon-host", "--mon_host", "-m") { Description = "monitors to log in to, in mon_host syntax (default: the conf's mon_host)" };
        var mode = new Option<string?>("--mode") { Description = "connection mode, towards monitors and daemons alike (default: Ceph's, secure then crc with monitors, crc then secure with daemons)" };
        mode.AcceptOnlyFromAmong("crc", "secure");
        var command = new Command("ping", Description)
        {
            address, count, timeout, conf, name, id, keyring, key, keyFile, monHost, mode,
        };
        command.SetAction((parse, ct) =>
        {
            // Handed to CephArgs as Ceph's own argv, so CEPH_ARGS merges under them as Ceph merges it.
            var cephArgs = new List<string>();
            void Add(string flag, Option<string?> option)
            {
                if (parse.GetValue(option) is string value)
                {
                    cephArgs.AddRange([flag, value]);
                }
            }

            Add("--conf", conf);
            Add("--name", name);
            Add("--id", id);
            Add("--keyring", keyring);
            Add("--key", key);
            Add("--keyfile", keyFile);
            Add("--mon_host", monHost);
            return RunAsync(parse.GetValue(address)!, parse.GetValue(count), parse.GetValue(timeout), cephArgs, parse.GetValue(mode), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string address, int count, double timeoutSeconds, List<string> cephArgs, string? mode, CancellationToken ct)
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

        try
        {
            ClientIdentity identity = await ClientIdentity.ResolveAsync(cephArgs, mode, ct);
            return await PingAsync(target, count, TimeSpan.FromSeconds(timeoutSeconds), identity, ct);
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"kmsgr: {e.Message}");
            return e.ExitCode;
        }
    }

    private static async Task<int> PingAsync(EntityAddr target, int count, TimeSpan timeout, ClientIdentity identity, CancellationToken ct)
    {
        using ILoggerFactory logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.None));
        var services = new ServiceCollection();
        services.AddSingleton(logs);
        // Ours first: AddCephAuth only adds an IAuthClient when there is none yet.
        services.AddSingleton(sp => new PeerTypeRecorder(sp.GetRequiredService<CephAuthClient>()));
        services.AddSingleton<IAuthClient>(sp => sp.GetRequiredService<PeerTypeRecorder>());
        services.AddCephAuth(identity.Name, identity.Key);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(identity.AuthOptions));
        await using ServiceProvider provider = services.BuildServiceProvider();
        PeerTypeRecorder recorder = provider.GetRequiredService<PeerTypeRecorder>();

        using var transport = new SocketMessengerTransport(logs);
        var options = new MessengerOptions { Entity = "client.-1", AuthName = identity.Name.ToString(), HandshakeTimeout = timeout };
        await using var messenger = new Messenger("kmsgr", options, transport, logs, services: provider);
        await messenger.StartAsync(ct);

        // cephx reaches anything but a monitor with a ticket only a monitor gives, so log in first
        // (a target among the configured monitors is itself the login).
        bool loggedIn = false;
        if (identity.Key is not null && identity.Monitors.Count > 0 && !identity.Monitors.Any(m => m.Any(a => Equals(a.EndPoint, target.EndPoint))))
        {
            await LogInAsync(messenger, identity, timeout, ct);
            loggedIn = true;
        }

        recorder.Reset();
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
            Console.Error.WriteLine($"kmsgr: {target}: no KEEPALIVE2_ACK within {timeout.TotalSeconds} s");
            return ExitCodes.Timeout;
        }
        catch (Exception) when (connection.Failure is ConnectionFailure failure)
        {
            Console.Error.WriteLine($"kmsgr: {target}: {Explain(failure, recorder.LastPeerType, identity, loggedIn)}");
            return ExitCodes.For(failure.Kind);
        }

        HandshakeResult h = connection.Handshake!;
        double[] micros = [.. rtts.Select(r => r.TotalMicroseconds).Order()];
        Console.WriteLine($"peer      {connection.PeerName} at {target}");
        Console.WriteLine($"addrs     {connection.PeerAddrs}");
        Console.WriteLine($"features  0x{h.PeerFeatures:x16} (common 0x{h.Features:x16})");
        Console.WriteLine($"mode      {Name(h.Mode)}, {(h.Lossy ? "lossy" : "lossless")}, global_id {h.GlobalId}, auth {AuthMethod.Name(h.Auth.Method)} as {identity.Name}, handshake {h.Duration.TotalMilliseconds:0.###} ms");
        Console.WriteLine($"keepalive {count} sent, {count} acked; rtt min/avg/p99 = {micros[0]:0}/{micros.Average():0}/{Percentile(micros, 0.99):0} us");
        connection.MarkDown();
        return ExitCodes.Ok;
    }

    /// <summary>Logs in to the first configured monitor that answers; a refusal of our key ends the hunt.</summary>
    private static async Task LogInAsync(Messenger messenger, ClientIdentity identity, TimeSpan timeout, CancellationToken ct)
    {
        ConnectionFailure? last = null;
        EntityAddrVec? lastMonitor = null;
        foreach (EntityAddrVec monitor in identity.Monitors.Where(m => m.Msgr2 is not null))
        {
            IConnection mon = messenger.ConnectTo(EntityType.Mon, monitor);
            try
            {
                await mon.PingAsync(ct);
                HandshakeResult h = mon.Handshake!;
                Console.WriteLine($"login     {identity.Name} at {mon.PeerName} {monitor.Msgr2}: {AuthMethod.Name(h.Auth.Method)}, {Name(h.Mode)}, global_id {h.GlobalId}");
                return;
            }
            catch (Exception) when (mon.Failure is ConnectionFailure failure)
            {
                if (failure.Kind == FailureKind.AuthRefused)
                {
                    throw new CliException(ExitCodes.AuthRefused, $"the monitor at {monitor.Msgr2} refused {identity.Name}: {failure.Reason}");
                }

                (last, lastMonitor) = (failure, monitor);
            }
        }

        throw last is null
            ? new CliException(ExitCodes.Usage, $"mon_host has no msgr2 monitor to log in to ({string.Join(" ", identity.Monitors)})")
            : new CliException(ExitCodes.For(last.Kind), $"could not log in to a monitor for a cephx ticket (last tried {lastMonitor}: {last.Reason})");
    }

    private static string Explain(ConnectionFailure failure, EntityType? peerType, ClientIdentity identity, bool loggedIn)
    {
        if (failure.Kind != FailureKind.AuthRefused || peerType is not EntityType peer)
        {
            return failure.Reason;
        }

        // Ceph drops cephx when it finds no keyring; a cluster requiring cephx then refuses auth none.
        string noKey = identity.Key is null ? " (we found no keyring, so offered auth none only: give -k KEYRING or -c CONF)" : "";
        if (peer == EntityType.Mon)
        {
            return $"the monitor refused {identity.Name}: {failure.Reason}{noKey}";
        }

        if (identity.Key is not null && !loggedIn && identity.Monitors.Count == 0)
        {
            return $"{EntityTypes.Name(peer)} accepts cephx only with a ticket from a monitor, and no monitor is configured (give -m ADDR, or -c CONF with mon_host): {failure.Reason}";
        }

        return $"the {EntityTypes.Name(peer)} refused {identity.Name}: {failure.Reason}{noKey}";
    }

    private static string Name(ConnectionMode mode) => mode.ToString().ToLowerInvariant();

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
