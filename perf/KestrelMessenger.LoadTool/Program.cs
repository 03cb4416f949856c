using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using KestrelMessenger;
using KestrelMessenger.Hosting;
using KestrelMessenger.LoadTool;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

LoadOptions? options = LoadOptions.Parse(args, out string? error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine($"error: {error}");
        Console.Error.WriteLine();
    }

    Console.Error.WriteLine(LoadOptions.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 1;
}

using var wire = new WireMeter();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(options);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10)); // bounded even if a connection hangs
InProcessCephx? cephx = null;
if (options.Mode != LoadMode.Crc)
{
    // The process's identity is the client's (as for librados): AddCephAuth gives both messengers its
    // CephAuthClient. The server messenger verifies authorizers as an OSD's does, with the OSD rotating
    // secrets; there is no monitor to fetch them from, so the in-process mint hands them over.
    cephx = new InProcessCephx(AuthEntityName.Parse("client.admin"));
    builder.Services.AddCephAuth(cephx.ClientName, cephx.ClientKey);
    var osdKeyring = new RotatingKeyring(EntityType.Osd, cephx.OsdSecrets);
    builder.Services.AddSingleton<IAuthServer>(new CephAuthServer(new CephxAuthorizerVerifier(osdKeyring)) { Service = "osd" });
    string connectionMode = options.Mode == LoadMode.Secure ? "secure" : "crc";
    builder.Services.Configure<AuthOptions>(o =>
    {
        o.ClientMode = connectionMode;
        o.ServiceMode = connectionMode;
    });
}

builder.Services.AddCephMessenger("server", o =>
{
    o.Entity = "osd.0";
    o.BindTo("v2:127.0.0.1:0");
}).AddDispatcher<EchoDispatcher>();
builder.Services.AddCephMessenger("client", o => o.Entity = "client.-1").AddDispatcher<ReplyCollector>();

await using WebApplication app = builder.Build();
await app.StartAsync();

Messenger server = app.Services.GetMessenger("server");
Messenger client = app.Services.GetMessenger("client");
ReplyCollector collector = app.Services.GetRequiredService<ReplyCollector>();
var total = Stopwatch.StartNew();
TimeSpan hardLimit = TimeSpan.FromSeconds(options.Timeout);
TimeSpan Remaining() => hardLimit - total.Elapsed > TimeSpan.Zero ? hardLimit - total.Elapsed : TimeSpan.Zero;

byte[] payload = new byte[options.Size];
new Random(42).NextBytes(payload);

// The client's tickets, as a monitor login would have left them.
cephx?.LogIn(app.Services.GetRequiredService<CephxClient>());

long connectStart = Stopwatch.GetTimestamp();
IConnection connection = client.ConnectTo(EntityType.Osd, server.MyAddrs);
collector.Start(connection, payload);

int exitCode = 0;
Task first = await Task.WhenAny(collector.Connected, collector.Failed, Task.Delay(Remaining()));
if (first != collector.Connected)
{
    Console.Error.WriteLine($"error: {(first == collector.Failed ? collector.Failed.Result : "no handshake before --timeout")}");
    await ShutdownAsync();
    return 2;
}

double connectMs = Stopwatch.GetElapsedTime(connectStart, collector.ConnectedAt).TotalMilliseconds;
HandshakeResult handshake = connection.Handshake!;
(uint wantMethod, ConnectionMode wantMode) = options.Mode switch
{
    LoadMode.Secure => (AuthMethod.Cephx, ConnectionMode.Secure),
    LoadMode.CrcCephx => (AuthMethod.Cephx, ConnectionMode.Crc),
    _ => (AuthMethod.None, ConnectionMode.Crc),
};
if (handshake.Auth.Method != wantMethod || handshake.Mode != wantMode)
{
    // Never report figures for a mode other than the one asked for.
    Console.Error.WriteLine($"error: --mode {options.ModeName} negotiated auth {MethodName(handshake.Auth.Method)}, {handshake.Mode} mode");
    await ShutdownAsync();
    return 2;
}

if (options.Warmup > 0)
{
    await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(options.Warmup)), collector.Failed);
}

long clientBytes0 = wire.BytesSent("client");
long serverBytes0 = wire.BytesSent("server");
collector.BeginMeasuring();
Task measuring = options.Count is null
    ? Task.Delay(TimeSpan.FromSeconds(options.Seconds))
    : collector.CountReached;
Task ended = await Task.WhenAny(measuring, collector.Failed, Task.Delay(Remaining()));
collector.EndMeasuring(); // no-op on the window when --count already closed it
long clientBytes1 = wire.BytesSent("client");
long serverBytes1 = wire.BytesSent("server");
string? problem = null;
if (ended == collector.Failed)
{
    problem = collector.Failed.Result;
    exitCode = 2;
}
else if (ended != measuring)
{
    problem = $"--timeout {options.Timeout.ToString(CultureInfo.InvariantCulture)} s reached before the run finished";
    exitCode = 2;
}

bool drained = await Task.WhenAny(collector.Drained, Task.Delay(TimeSpan.FromSeconds(5))) == collector.Drained;
long[] latencies = collector.TakeLatencies();
(long windowStart, long windowEnd) = collector.Window;
double seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;

// ---- report -------------------------------------------------------------------------------------
static string N0(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
static string N1(double v) => v.ToString("N1", CultureInfo.InvariantCulture);
const double MiB = 1 << 20;

Console.WriteLine("KestrelMessenger load test: two messengers in one Kestrel host, loopback TCP");
Console.WriteLine($"  server      {server.MyName} at {server.MyAddrs}");
Console.WriteLine($"  client      {client.MyName} -> {connection.PeerName} at {connection.PeerAddrs}");
Console.WriteLine($"  handshake   ConnectTo to READY {N1(connectMs * 1000)} us"
    + (wire.Handshake("client", "client") is TimeSpan hc ? $"; banner to READY: client {N1(hc.TotalMicroseconds)} us" : "")
    + (wire.Handshake("server", "server") is TimeSpan hs ? $", server {N1(hs.TotalMicroseconds)} us" : ""));
Console.WriteLine($"  auth        {MethodName(handshake.Auth.Method)}, {handshake.Mode.ToString().ToLowerInvariant()} mode (--mode {options.ModeName}"
    + (cephx is null ? ")" : $"; {cephx.ClientName} with an OSD ticket minted in-process)"));
if (cephx is not null
    && server.Connections.FirstOrDefault(c => c.PeerName.Type == EntityType.Client)?.Handshake?.Auth is { Peer: AuthPeer peer } accepted)
{
    // What the server's verifier read out of the ticket: proof that the authorizer was checked.
    Console.WriteLine($"              server verified {peer.Name}, global id {accepted.GlobalId}, caps osd '{peer.Caps.GetValueOrDefault("osd")}'");
}

Console.WriteLine($"  features    0x{connection.Features:x16} (msgr2 frames assumed: {CephFeatures.Has(connection.Features, CephFeatures.Msgr2FrameAssumed)}, keepalive2: {CephFeatures.Has(connection.Features, CephFeatures.MsgrKeepalive2)})");
Console.WriteLine($"  runtime     .NET {Environment.Version}, {Environment.ProcessorCount} cpus, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
Console.WriteLine($"  settings    request {N0(options.Size)} B data, reply {N0(options.ReplySize)} B ({(options.EchoPayload ? "echo" : "empty")}), "
    + $"inflight {options.Inflight}, {(options.FastDispatch ? "fast" : "queued")} dispatch, warmup {options.Warmup.ToString(CultureInfo.InvariantCulture)} s, "
    + (options.Count is long c ? $"count {N0(c)}" : $"{options.Seconds.ToString(CultureInfo.InvariantCulture)} s"));
Console.WriteLine();

if (latencies.Length == 0 || seconds <= 0)
{
    Console.Error.WriteLine($"error: no round trip completed in the measured window{(problem is null ? "" : $" ({problem})")}");
    await ShutdownAsync();
    return 2;
}

Array.Sort(latencies);
double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
double Percentile(double q) => Micros(latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Length) - 1, 0, latencies.Length - 1)]);
double rate = latencies.Length / seconds;
var rows = new List<(string Name, string Value, string Unit)>
{
    ("round trips", N0(latencies.Length), $"in {seconds.ToString("0.000", CultureInfo.InvariantCulture)} s"),
    ("messages/s", N0(rate), "round trips (request + reply) per second"),
    ("request payload", N1(rate * options.Size / MiB), "MiB/s (client -> server data segments)"),
    ("payload both ways", N1(rate * (options.Size + options.ReplySize) / MiB), "MiB/s (request + reply data segments)"),
    ("wire client->server", N1((clientBytes1 - clientBytes0) / seconds / MiB), "MiB/s (all frame bytes, library metrics)"),
    ("wire server->client", N1((serverBytes1 - serverBytes0) / seconds / MiB), "MiB/s (all frame bytes, library metrics)"),
    ("latency p50", N1(Percentile(0.50)), "us"),
    ("latency p99", N1(Percentile(0.99)), "us"),
    ("latency p99.9", N1(Percentile(0.999)), "us"),
    ("latency max", N1(Micros(latencies[^1])), "us"),
    ("latency mean", N1(latencies.Average(Micros)), "us"),
};
int nameWidth = rows.Max(r => r.Name.Length);
int valueWidth = rows.Max(r => r.Value.Length);
Console.WriteLine($"  {"metric".PadRight(nameWidth)}  {"value".PadLeft(valueWidth)}  unit");
Console.WriteLine($"  {new string('-', nameWidth)}  {new string('-', valueWidth)}  {new string('-', 40)}");
foreach ((string name, string value, string unit) in rows)
{
    Console.WriteLine($"  {name.PadRight(nameWidth)}  {value.PadLeft(valueWidth)}  {unit}");
}

Console.WriteLine();
Console.WriteLine($"  sent {N0(collector.Sent)} requests, received {N0(collector.Received)} replies"
    + (drained ? ", all drained" : $", {N0(collector.Outstanding)} still outstanding after 5 s")
    + (collector.Unmatched > 0 ? $", {N0(collector.Unmatched)} replies with an unexpected tid" : ""));
if (problem is not null)
{
    Console.Error.WriteLine($"error: {problem}");
}

return await ShutdownAsync() ? exitCode : Math.Max(exitCode, 3);

static string MethodName(uint method) => method switch
{
    AuthMethod.None => "none",
    AuthMethod.Cephx => "cephx",
    _ => $"method {method}",
};

// The client is done with its connection: mark it down, then stop the host (both messengers and Kestrel).
async Task<bool> ShutdownAsync()
{
    long start = Stopwatch.GetTimestamp();
    connection.MarkDown();
    try
    {
        await app.StopAsync();
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"error: host shutdown failed after {Stopwatch.GetElapsedTime(start).TotalMilliseconds.ToString("N0", CultureInfo.InvariantCulture)} ms: {e.GetType().Name}: {e.Message}");
        return false;
    }

    Console.WriteLine($"  host stopped in {Stopwatch.GetElapsedTime(start).TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture)} ms (whole run {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
    return true;
}
