namespace KestrelMessenger.Limits;

/// <summary><c>serve</c>: the server process of one case.</summary>
internal sealed class ServeOptions
{
    public ServerKind Kind { get; private set; } = ServerKind.Echo;

    public int Port { get; private set; }

    /// <summary>The OSD's rotating secrets (secure only), as <see cref="SecretsFile"/> wrote them.</summary>
    public string? Secrets { get; private set; }

    /// <summary>Sample which types the server allocates between a driver's two stats queries, printed at exit.</summary>
    public bool AllocTypes { get; private set; }

    public static ServeOptions Parse(string[] args)
    {
        var o = new ServeOptions();
        var a = new ArgumentReader(args);
        while (a.MoveNext())
        {
            switch (a.Name)
            {
                case "--kind": o.Kind = ServerKinds.Parse(a.Value()); break;
                case "--port": o.Port = a.Number(1, 65535); break;
                case "--secrets": o.Secrets = a.Value(); break;
                case "--alloc-types": o.AllocTypes = true; break;
                default: throw a.Unknown();
            }
        }

        if (o.Port == 0)
        {
            throw new FormatException("serve needs --port");
        }

        if ((o.Kind == ServerKind.Secure) != (o.Secrets is not null))
        {
            throw new FormatException("--secrets FILE goes with --kind secure, and only with it");
        }

        return o;
    }
}
