using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

// What a socket pays to send 4 MiB payloads from memory in different states, over loopback TCP: memory
// only user code has written (sent once, then again), and memory the kernel wrote by receiving into it.
// On this project's virtual machines the kernel's first read of a page that only user code touched is
// the dominant cost, which decides what the messenger lends to a socket and what the OSD sample keeps.
// usage: dotnet run -c Release --project perf/KestrelMessenger.FirstTouch -- [PAYLOADS=128]
int count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 128;
const int Size = 4 << 20;
const int Run = 64 * 1024; // what the messenger lends at once: one socket-pool block

(Socket Sender, Socket Receiver) Connect()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var sender = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    sender.Connect(listener.LocalEndpoint);
    Socket receiver = listener.AcceptSocket();
    listener.Stop();
    return (sender, receiver);
}

(Socket sink, Socket drain) = Connect();
var draining = new Thread(() =>
{
    var buffer = new byte[1 << 20];
    while (drain.Receive(buffer) > 0)
    {
    }
}) { IsBackground = true };
draining.Start();

byte[][] Fresh() => [.. Enumerable.Range(0, count).Select(_ => GC.AllocateUninitializedArray<byte>(Size))];

void Send(string what, byte[][] payloads)
{
    using var process = Process.GetCurrentProcess();
    TimeSpan cpu = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    foreach (byte[] payload in payloads)
    {
        var runs = new List<ArraySegment<byte>>(Size / Run);
        for (int at = 0; at < Size; at += Run)
        {
            runs.Add(new ArraySegment<byte>(payload, at, Run));
        }

        sink.Send(runs);
    }

    process.Refresh();
    double ms = (process.TotalProcessorTime - cpu).TotalMilliseconds / payloads.Length;
    Console.WriteLine($"{what,-52} {payloads.Length * 4.0 / clock.Elapsed.TotalSeconds,7:F0} MB/s  {ms,5:F2} ms CPU per 4 MiB");
}

byte[][] written = Fresh();
for (int i = 0; i < count; i++)
{
    new Random(i).NextBytes(written[i]);
}

Send("user-written, first send", written);
Send("user-written, second send", written);

byte[][] received = Fresh();
(Socket feed, Socket fed) = Connect();
var feeding = new Thread(() =>
{
    foreach (byte[] payload in written)
    {
        feed.Send(payload);
    }
}) { IsBackground = true };
feeding.Start();
foreach (byte[] payload in received)
{
    for (int got = 0; got < Size;)
    {
        got += fed.Receive(payload, got, Size - got, SocketFlags.None);
    }
}

Send("kernel-written (received into), first send", received);
