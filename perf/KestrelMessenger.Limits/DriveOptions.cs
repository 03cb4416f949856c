namespace KestrelMessenger.Limits;

/// <summary><c>drive</c>: the client process of one measurement.</summary>
internal sealed class DriveOptions
{
    public ServerKind Kind { get; private set; } = ServerKind.Echo;

    public int Port { get; private set; }

    public int Connections { get; private set; } = 1;

    public int Inflight { get; private set; } = 16;

    public int Size { get; private set; } = 4096;

    /// <summary>Bulk one way: the server acks each message instead of echoing it (messenger kinds only).</summary>
    public bool OneWay { get; private set; }

    public double Seconds { get; private set; } = 5;

    public double Warmup { get; private set; } = 1;

    public double Timeout { get; private set; } = 120;

    public string? Secrets { get; private set; }

    /// <summary>Sample which types the driver allocates in the window (see <see cref="AllocationSampler"/>).</summary>
    public bool AllocTypes { get; private set; }

    /// <summary>The shape as the RESULT line names it.</summary>
    public string Shape => OneWay ? "oneway" : "rr";

    public static DriveOptions Parse(string[] args)
    {
        var o = new DriveOptions();
        var a = new ArgumentReader(args);
        while (a.MoveNext())
        {
            switch (a.Name)
            {
                case "--kind": o.Kind = ServerKinds.Parse(a.Value()); break;
                case "--port": o.Port = a.Number(1, 65535); break;
                case "--connections": o.Connections = a.Number(1, 1024); break;
                case "--inflight": o.Inflight = a.Number(1, 4096); break;
                case "--size": o.Size = a.Number(1, EchoFraming.MaxPayload); break;
                case "--one-way": o.OneWay = true; break;
                case "--seconds": o.Seconds = a.Number(0.1, 3600.0); break;
                case "--warmup": o.Warmup = a.Number(0.0, 3600.0); break;
                case "--timeout": o.Timeout = a.Number(1.0, 86400.0); break;
                case "--secrets": o.Secrets = a.Value(); break;
                case "--alloc-types": o.AllocTypes = true; break;
                default: throw a.Unknown();
            }
        }

        if (o.Port == 0)
        {
            throw new FormatException("drive needs --port");
        }

        if ((o.Kind == ServerKind.Secure) != (o.Secrets is not null))
        {
            throw new FormatException("--secrets FILE goes with --kind secure, and only with it");
        }

        if (o.OneWay && o.Kind == ServerKind.Echo)
        {
            throw new FormatException("--one-way needs a messenger server (--kind crc or secure); one-way raw TCP is iperf3's job");
        }

        return o;
    }
}
