using System.Globalization;

namespace KestrelMessenger.Soak;

/// <summary>The soak's command line.</summary>
internal sealed record SoakOptions
{
    public const string Usage = """
        usage: KestrelMessenger.Soak [--messages N] [--size BYTES] [--cut-every N] [--inject N] [--window N] [--rounds R] [--no-baseline] [--timeout S]

          --messages N    messages to stream (1000000)
          --size BYTES    data segment of each (64)
          --cut-every N   the receiver cuts its socket after a random number of messages received, N on average
                          (200, which with the default window makes about one cut per 500 messages that takes effect; 0: never)
          --inject N      also ms_inject_socket_failures N on both messengers (0: off)
          --window N      messages the sender may be ahead of the receiver's progress (1000)
          --rounds R      passes of each kind (1)
          --no-baseline   skip the pass without faults
          --timeout S     give up on a pass after S seconds (600)

        Prints each pass: messages, time, messages/s, MB/s, and the receiver's audit (lost, duplicated,
        reordered), with the faults for the faulty pass. Exits 3 when any pass lost, duplicated or reordered,
        2 when a pass did not finish (--timeout, Ctrl+C, SIGTERM, or the receiver process died).
        """;

    public string Role { get; init; } = "run";

    public long Messages { get; init; } = 1_000_000;

    public int Size { get; init; } = 64;

    public int CutEvery { get; init; } = 200;

    public int Inject { get; init; }

    public long Window { get; init; } = 1_000;

    public int Rounds { get; init; } = 1;

    public bool Baseline { get; init; } = true;

    public int Timeout { get; init; } = 600;

    public bool Help { get; init; }

    public static SoakOptions Parse(string[] args)
    {
        var o = new SoakOptions();
        int i = 0;
        if (args.Length > 0 && args[0] is "run" or "receive")
        {
            o = o with { Role = args[0] };
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => ++i < args.Length ? args[i] : throw new FormatException($"{arg} needs a value");
            long Number(long min) => long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= min
                ? v : throw new FormatException($"{arg} needs a whole number of at least {min}");
            o = arg switch
            {
                "--messages" => o with { Messages = Number(1) },
                "--size" => o with { Size = (int)Number(0) },
                "--cut-every" => o with { CutEvery = (int)Number(0) },
                "--inject" => o with { Inject = (int)Number(0) },
                "--window" => o with { Window = Number(1) },
                "--rounds" => o with { Rounds = (int)Number(1) },
                "--no-baseline" => o with { Baseline = false },
                "--timeout" => o with { Timeout = (int)Number(1) },
                "--help" or "-h" => o with { Help = true },
                _ => throw new FormatException($"unknown option {arg}"),
            };
        }

        return o;
    }
}
