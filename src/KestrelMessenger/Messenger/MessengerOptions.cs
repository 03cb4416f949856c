using System.Globalization;
using System.Net;
using KestrelMessenger.Connections;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;

namespace KestrelMessenger;

/// <summary>
/// How one messenger is set up (Ceph's <c>Messenger::create</c> arguments and <c>ms_*</c> options).
/// Binds from configuration section <c>Ceph:Messengers:NAME</c>; defaults are Ceph's.
/// </summary>
public sealed class MessengerOptions
{
    /// <summary>Our entity name, <c>type.num</c> (<c>osd.0</c>, <c>client.-1</c>).</summary>
    public string Entity { get; set; } = "client.-1";

    /// <summary>
    /// The auth-layer name presented with auth none when the process registers no auth of its own;
    /// defaults to <see cref="Entity"/> (and <c>client.admin</c> for clients). With <c>AddCephAuth</c>
    /// the process's name applies to every messenger instead, as in Ceph.
    /// </summary>
    public string? AuthName { get; set; }

    /// <summary>The address nonce; a fresh random one per process when unset.</summary>
    public uint? Nonce { get; set; }

    /// <summary>
    /// Addresses to bind: <c>v2:IP:PORT</c> binds that port (0 = any free port), a bare IP walks
    /// <see cref="BindPortMin"/>..<see cref="BindPortMax"/>. Empty for a messenger that only connects out.
    /// </summary>
    public List<string> Bind { get; set; } = [];

    /// <summary><c>ms_bind_port_min</c>.</summary>
    public int BindPortMin { get; set; } = 6800;

    /// <summary><c>ms_bind_port_max</c>.</summary>
    public int BindPortMax { get; set; } = 7300;

    /// <summary>Banner through READY must finish within this (Ceph's <c>ms_connection_ready_timeout</c> is 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>ms_dispatch_throttle_bytes</c>: read loops pause while this much is waiting for dispatch.</summary>
    public long DispatchThrottleBytes { get; set; } = 100L << 20;

    /// <summary>
    /// Largest control payload accepted before the peer has authenticated (until its AUTH_SIGNATURE
    /// checks out). cephx requests and replies are a few KiB; this keeps an unauthenticated peer from
    /// making us buffer megabytes.
    /// </summary>
    public int MaxPreAuthControlLength { get; set; } = 32 << 10;

    /// <summary>
    /// Received messages one connection may have in dispatch before its read loop pauses (Ceph's
    /// <c>osd_client_message_cap</c> default, applied per connection).
    /// </summary>
    public int MaxInFlightMessages { get; set; } = 256;

    /// <summary>Their bytes (Ceph's <c>osd_client_message_size_cap</c> default, applied per connection).</summary>
    public long MaxInFlightBytes { get; set; } = 500L << 20;

    /// <summary>
    /// Messages a connection we accepted may have queued to send before we stop reading from that peer
    /// until the writer drains: a peer that sends requests and never reads the replies stops being read.
    /// </summary>
    public int MaxOutQueueMessages { get; set; } = 4096;

    /// <summary>Their bytes (see <see cref="MaxOutQueueMessages"/>).</summary>
    public long MaxOutQueueBytes { get; set; } = 100L << 20;

    /// <summary>
    /// <c>ms_connection_idle_timeout</c>: a connection with no bytes moving either way for this long is
    /// closed (Ceph's default, 900 s). Checked by one sweep per messenger, not a timer per connection.
    /// </summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(900);

    /// <summary><c>ms_initial_backoff</c>: how long a lossless session waits before its second connect attempt (0.2 s).</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(0.2);

    /// <summary><c>ms_max_backoff</c>: the longest wait between connect attempts, doubling up to it, and the wait after WAIT (15 s).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// This messenger's own fault injection (Ceph's <c>ms_inject_*</c>); null takes the process-wide
    /// <see cref="FaultInjectionOptions"/> bound from the <c>Ceph</c> section.
    /// </summary>
    public FaultInjectionOptions? FaultInjection { get; set; }

    /// <summary>Largest control payload or message header accepted.</summary>
    public int MaxControlLength { get; set; } = FrameLimits.Default.MaxControlLength;

    /// <summary>Largest message front accepted.</summary>
    public int MaxFrontLength { get; set; } = FrameLimits.Default.MaxFrontLength;

    /// <summary>Largest message middle accepted.</summary>
    public int MaxMiddleLength { get; set; } = FrameLimits.Default.MaxMiddleLength;

    /// <summary>Largest message data segment accepted.</summary>
    public int MaxDataLength { get; set; } = FrameLimits.Default.MaxDataLength;

    /// <summary>The policy for peer types with none of their own; lossy client, or stateless server when bound.</summary>
    public Policy? DefaultPolicy { get; set; }

    /// <summary>
    /// Connection middleware run before the msgr2 banner, on accepted and outbound connections alike
    /// (capture, fault injection, TLS offload …). Not bound from configuration.
    /// </summary>
    public List<Action<Microsoft.AspNetCore.Connections.IConnectionBuilder>> ConnectionMiddleware { get; } = [];

    /// <summary>Per-peer-type policies (Ceph's <c>set_policy</c>).</summary>
    public Dictionary<EntityType, Policy> Policies { get; } = [];

    /// <summary>Adds an address to bind (fluent).</summary>
    public MessengerOptions BindTo(string address)
    {
        Bind.Add(address);
        return this;
    }

    internal EntityName ParsedEntity => EntityName.Parse(Entity);

    internal AuthEntityName ParsedAuthName =>
        AuthEntityName.Parse(AuthName ?? (ParsedEntity.Type == EntityType.Client ? "client.admin" : ParsedEntity.ToString()));

    internal FrameLimits FrameLimits => new()
    {
        MaxControlLength = MaxControlLength,
        MaxFrontLength = MaxFrontLength,
        MaxMiddleLength = MaxMiddleLength,
        MaxDataLength = MaxDataLength,
    };

    /// <summary>Before authentication only control frames are legal (judged from the preamble), so only segment 0 matters.</summary>
    internal FrameLimits PreAuthFrameLimits => FrameLimits with { MaxControlLength = Math.Min(MaxPreAuthControlLength, MaxControlLength) };

    /// <summary>Parses one <see cref="Bind"/> entry into an IP and a port range.</summary>
    internal (IPAddress Address, int PortMin, int PortMax) ParseBind(string entry)
    {
        string s = entry.Trim();
        if (s.StartsWith("v1:", StringComparison.Ordinal) || s.StartsWith("any:", StringComparison.Ordinal))
        {
            throw new FormatException($"bind address '{entry}' is not msgr2: only v2: addresses can be bound");
        }

        if (s.StartsWith("v2:", StringComparison.Ordinal))
        {
            s = s[3..];
        }

        bool hasPort = s.StartsWith('[') ? s.Contains("]:", StringComparison.Ordinal) : s.Count(c => c == ':') == 1;
        if (hasPort && IPEndPoint.TryParse(s, out IPEndPoint? exact))
        {
            return (exact.Address, exact.Port, exact.Port);
        }

        if (!hasPort && IPAddress.TryParse(s.Trim('[', ']'), out IPAddress? bare))
        {
            return (bare, BindPortMin, BindPortMax);
        }

        throw new FormatException($"bind address '{entry}' is neither v2:IP:PORT nor an IP");
    }

    internal IEnumerable<string> Validate()
    {
        if (!EntityName.TryParseCore(Entity, out _))
        {
            yield return $"Entity '{Entity}' is not of the form type.number (osd.0, client.-1)";
        }

        if (AuthName is not null && !AuthName.Contains('.', StringComparison.Ordinal))
        {
            yield return $"AuthName '{AuthName}' is not of the form type.id (client.admin)";
        }

        if (BindPortMin is < 0 or > 65535 || BindPortMax is < 0 or > 65535 || BindPortMin > BindPortMax)
        {
            yield return $"BindPortMin..BindPortMax {BindPortMin}..{BindPortMax} is not a port range";
        }

        foreach (string entry in Bind)
        {
            string? error = null;
            try
            {
                ParseBind(entry);
            }
            catch (FormatException e)
            {
                error = e.Message;
            }

            if (error is not null)
            {
                yield return error;
            }
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            yield return $"HandshakeTimeout {HandshakeTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s must be positive";
        }

        if (DispatchThrottleBytes <= 0 || MaxControlLength <= 0 || MaxFrontLength <= 0 || MaxMiddleLength <= 0 || MaxDataLength <= 0
            || MaxPreAuthControlLength <= 0)
        {
            yield return "DispatchThrottleBytes and the Max*Length limits must be positive";
        }

        if (MaxInFlightMessages <= 0 || MaxInFlightBytes <= 0 || MaxOutQueueMessages <= 0 || MaxOutQueueBytes <= 0)
        {
            yield return "MaxInFlightMessages, MaxInFlightBytes, MaxOutQueueMessages and MaxOutQueueBytes must be positive";
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            yield return $"InitialBackoff {InitialBackoff.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s must be positive and at most MaxBackoff {MaxBackoff.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }

        foreach (string problem in FaultInjection?.Validate() ?? [])
        {
            yield return problem;
        }

        if (ConnectionIdleTimeout <= TimeSpan.Zero)
        {
            yield return $"ConnectionIdleTimeout {ConnectionIdleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s must be positive";
        }
    }
}
