using System.Globalization;
using System.Numerics;

namespace KestrelMessenger.LoadTool;

/// <summary>What protects the connection: its msgr2 mode and the auth method that set it up.</summary>
internal enum LoadMode
{
    /// <summary>crc mode after auth none (no key anywhere).</summary>
    Crc,

    /// <summary>crc mode after cephx (tickets checked, frames not encrypted).</summary>
    CrcCephx,

    /// <summary>secure mode after cephx: every frame AES-128-GCM under the connection secret.</summary>
    Secure,
}

/// <summary>Command-line settings (parsed by hand: no extra packages).</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        KestrelMessenger.LoadTool: request/reply load between two messengers over loopback TCP.

        usage: dotnet run -c Release --project perf/KestrelMessenger.LoadTool -- [options]

          --seconds S        measure for S seconds (default 10; ignored with --count)
          --count N          measure until N replies have arrived instead
          --size BYTES       request payload, sent as the data segment (default 4096; 0 .. 64 MiB)
          --inflight T       requests kept outstanding (default 16)
          --echo-payload     the server echoes the payload back (default: empty reply)
          --queued-dispatch  both sides use the dispatch queue instead of fast dispatch
          --mode M           crc (default: auth none, crc mode), crc-cephx (cephx, crc mode) or
                             secure (cephx, secure mode). cephx tickets are minted in-process, the
                             way a monitor mints them: no Ceph daemon is needed
          --warmup S         unmeasured warm-up before measuring (default 1)
          --timeout S        hard bound on the whole run (default 120)
          -h, --help         this text
        """;

    public double Seconds { get; private set; } = 10;

    public long? Count { get; private set; }

    public int Size { get; private set; } = 4096;

    public int Inflight { get; private set; } = 16;

    public bool EchoPayload { get; private set; }

    public bool FastDispatch { get; private set; } = true;

    public LoadMode Mode { get; private set; } = LoadMode.Crc;

    /// <summary>The mode's name as given on the command line.</summary>
    public string ModeName => Mode switch
    {
        LoadMode.CrcCephx => "crc-cephx",
        LoadMode.Secure => "secure",
        _ => "crc",
    };

    public double Warmup { get; private set; } = 1;

    public double Timeout { get; private set; } = 120;

    public int ReplySize => EchoPayload ? Size : 0;

    /// <summary>Parses <paramref name="args"/>; null with <paramref name="error"/> set (empty for --help) when it cannot.</summary>
    public static LoadOptions? Parse(string[] args, out string? error)
    {
        var o = new LoadOptions();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string? inline = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Length)
                {
                    throw new FormatException($"{name} needs a value");
                }

                return args[++i];
            }

            try
            {
                switch (name)
                {
                    case "-h" or "--help" or "-?":
                        error = "";
                        return null;
                    case "--seconds":
                        o.Seconds = Positive(name, Number<double>(name, Value()));
                        break;
                    case "--count":
                        o.Count = (long)Positive(name, Number<long>(name, Value()));
                        break;
                    case "--size":
                        o.Size = Number<int>(name, Value());
                        if (o.Size is < 0 or > 64 << 20)
                        {
                            throw new FormatException("--size must be 0 .. 67108864 (the default data segment limit)");
                        }

                        break;
                    case "--inflight":
                        o.Inflight = (int)Positive(name, Number<int>(name, Value()));
                        break;
                    case "--echo-payload":
                        o.EchoPayload = true;
                        break;
                    case "--queued-dispatch":
                        o.FastDispatch = false;
                        break;
                    case "--mode":
                        o.Mode = Value() switch
                        {
                            "crc" => LoadMode.Crc,
                            "crc-cephx" => LoadMode.CrcCephx,
                            "secure" => LoadMode.Secure,
                            var m => throw new FormatException($"--mode: '{m}' is not crc, crc-cephx or secure"),
                        };
                        break;
                    case "--warmup":
                        o.Warmup = Number<double>(name, Value());
                        if (o.Warmup < 0)
                        {
                            throw new FormatException("--warmup must not be negative");
                        }

                        break;
                    case "--timeout":
                        o.Timeout = Positive(name, Number<double>(name, Value()));
                        break;
                    default:
                        throw new FormatException($"unknown option '{args[i]}'");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                error = e.Message;
                return null;
            }
        }

        return o;
    }

    private static T Number<T>(string name, string text) where T : INumber<T> =>
        T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T? value) && value is not null
            ? value
            : throw new FormatException($"{name}: '{text}' is not a valid {typeof(T).Name.ToLowerInvariant()}");

    private static double Positive(string name, double value) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive");
}
