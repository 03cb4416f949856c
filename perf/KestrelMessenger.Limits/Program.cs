using KestrelMessenger.Limits;
using KestrelMessenger.Limits.Client;
using KestrelMessenger.Limits.Server;
using KestrelMessenger.LoadTool;
using KestrelMessenger.Wire;

// The messenger against the machine's limits: one executable in two roles, a server process per case
// (serve) and a client process per measurement (drive), started by perf/limits.sh; see perf/README.md.
const string Usage = """
    KestrelMessenger.Limits: the messenger against a raw Kestrel echo and iperf3, two processes over loopback.
    perf/limits.sh runs every case; the roles, for running one by hand:

      serve --kind echo|crc|secure --port P [--secrets FILE] [--alloc-types]
          a Kestrel host on 127.0.0.1:P: echo = a plain ConnectionHandler echoing length-prefixed frames;
          crc / secure = a messenger (osd.0) answering each request with its data, acking bulk messages.
          Prints "LISTENING ..." once bound; runs until SIGTERM. Exit 4 when the port is taken.
          --alloc-types samples the types it allocates between a driver's two stats queries (its
          window), printed at exit.

      drive --kind echo|crc|secure --port P [options]
          N connections, each a closed loop of K requests in flight; a warm-up, then a measured window.
          Prints one "RESULT key=value ..." line. Exit 2 when the run fails or negotiated another mode.
          --connections N   connections (default 1; one messenger each for crc/secure)
          --inflight K      requests in flight per connection (default 16)
          --size BYTES      payload per request (default 4096)
          --one-way         bulk: the server acks each message instead of echoing it (crc/secure)
          --seconds S       measured window (default 5)
          --warmup S        unmeasured warm-up first (default 1)
          --timeout S       hard bound on the whole run (default 120)
          --secrets FILE    secure only: the OSD secrets the server was given
          --alloc-types     also print the types the driver allocates in the window (sampled by the
                            runtime every ~100 KB; a diagnostic for client_b_per_msg)

      secrets --out FILE
          writes fresh OSD rotating secrets for a secure server and its driver (mode 600; never overwrites)

      -h, --help
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "-?")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}

try
{
    string[] rest = args[1..];
    switch (args[0])
    {
        case "serve":
            return await ServeCommand.RunAsync(ServeOptions.Parse(rest));
        case "drive":
            return await DriveCommand.RunAsync(DriveOptions.Parse(rest));
        case "secrets":
            return WriteSecrets(rest);
        default:
            throw new FormatException($"unknown role '{args[0]}' (serve, drive or secrets)");
    }
}
catch (FormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{Usage}");
    return 1;
}
catch (Exception e) when (e is InvalidDataException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int WriteSecrets(string[] args)
{
    var a = new ArgumentReader(args);
    string? path = null;
    while (a.MoveNext())
    {
        path = a.Name == "--out" ? a.Value() : throw a.Unknown();
    }

    // The monitor stand-in generates them as a monitor's KeyServer would (previous, current, next).
    SecretsFile.Write(path ?? throw new FormatException("secrets needs --out FILE"), new InProcessCephx(AuthEntityName.Parse("client.admin")).OsdSecrets);
    return 0;
}
