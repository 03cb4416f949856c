using System.Collections.Concurrent;
using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Transport.Capture;
using KestrelMessenger.Wire;
using Xunit.Abstractions;

namespace KestrelMessenger.Tests.Interop;

/// <summary>
/// Our messenger as a lossless OSD peer of the real Ceph 16.2 ceph-osd, on its cluster endpoint: the socket
/// is cut, and our SESSION_RECONNECT is answered with SESSION_RECONNECT_OK by the real OSD, which names
/// what it already has; the session goes on with the next seq, and the OSD's own log (debug_ms 5) says it
/// reused the session.
/// </summary>
[Collection(CephCluster.Name)]
public class RealOsdSessionTests(CephClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task A_cut_session_with_the_real_osd_resumes_with_session_reconnect_ok()
    {
        await cluster.CephAsync("tell", "osd.0", "config", "set", "debug_ms", "5");
        string log = Path.Combine(cluster.Directory, "log", "osd.0.log");
        long logStart = new FileInfo(log).Length;
        var captures = new ConcurrentQueue<ConnectionCapture>();
        var cutter = new SocketCutter();
        try
        {
            await using (MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, s => s.AddCephMessenger("cluster", o =>
            {
                o.Entity = "osd.7";
                o.BindTo("v2:127.0.0.1:0");
                o.Policies[EntityType.Osd] = Policy.LosslessPeer(); // as ceph_osd.cc sets it for OSD peers on the cluster messenger
                o.ConnectionMiddleware.Add(b => b.UseCephCapture(captures.Enqueue));
                o.ConnectionMiddleware.Add(cutter.Install);
            })))
            {
                IConnection osd = host.Messenger("cluster").ConnectTo(EntityType.Osd, cluster.OsdClusterAddrs);
                var session = (MessengerConnection)osd;
                for (int i = 0; i < 3; i++)
                {
                    Assert.True(osd.SendMessage(new MPing()));
                }

                await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.False(osd.Handshake!.Lossy, "the real OSD keeps a lossless session with an OSD peer");
                Assert.NotEqual(0ul, osd.Handshake.ServerCookie);
                await MessengerPair.AllAckedAsync(session);

                // The TCP connection goes (reset); with nothing queued our session stands by, and the next message reconnects it.
                Assert.Equal(1, cutter.CutAll());
                await Eventually.UntilAsync(() => session.State == SessionState.Standby, TimeSpan.FromSeconds(20), () => $"session is {session.State}");
                Assert.True(osd.SendMessage(new MPing()));
                await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.True(osd.Handshake!.Resumed, "the second socket resumed the session");
                await MessengerPair.AllAckedAsync(session);
                Assert.Equal((4ul, 1ul), (session.Session.OutSeq, session.Session.ConnectSeq));
            }

            // The frames of the second socket, as they crossed the wire (auth none, crc mode). A capture is handed
            // over when its connection's middleware chain unwinds, which may come just after the host has stopped.
            await Eventually.UntilAsync(() => captures.Count >= 2, TimeSpan.FromSeconds(10), () => $"{captures.Count} connections captured");
            ConnectionCapture second = captures.ToArray()[1];
            string golden = second.ToGoldenText("osd.7", "ceph-osd osd.0");
            output.WriteLine(golden);
            Assert.Matches(@"osd\.7 -> ceph-osd osd\.0 #\d+ SessionReconnect", golden);
            Assert.Matches(@"ceph-osd osd\.0 -> osd\.7 #\d+ SessionReconnectOk", golden);
            Assert.DoesNotMatch("ClientIdent|ServerIdent|SessionReset|SessionRetry|Wait", golden);
            // SESSION_RECONNECT_OK names the OSD's in_seq: it has our three pings, so nothing is resent and the
            // fourth goes out as seq 4, which the OSD acknowledges.
            List<(KestrelMessenger.Frames.Tag Tag, byte[] Payload)> fromOsd = Frames(second.Received);
            Assert.Equal(3ul, ControlFrame.Decode<SessionReconnectOkFrame>(fromOsd.Single(f => f.Tag == KestrelMessenger.Frames.Tag.SessionReconnectOk).Payload).MsgSeq);
            Assert.Equal(4ul, ControlFrame.Decode<AckFrame>(fromOsd.Last(f => f.Tag == KestrelMessenger.Frames.Tag.Ack).Payload).Seq);
        }
        finally
        {
            await cluster.CephAsync("tell", "osd.0", "config", "set", "debug_ms", "0/0");
        }

        // The real OSD's own account, at debug_ms 5.
        string osdLog = await ReadFromAsync(log, logStart);
        string[] reconnect = [.. osdLog.Split('\n').Where(l => l.Contains("reconnect", StringComparison.OrdinalIgnoreCase))];
        output.WriteLine(string.Join('\n', reconnect));
        Assert.Contains(reconnect, l => l.Contains("handle_reconnect received reconnect:", StringComparison.Ordinal) && l.Contains(" cs=1 ms=0", StringComparison.Ordinal));
        Assert.Contains(reconnect, l => l.Contains("handle_reconnect reconnect to existing=", StringComparison.Ordinal));
        Assert.Contains(reconnect, l => l.Contains("send_reconnect_ok sending reconnect_ok: msg_seq=3", StringComparison.Ordinal));
    }

    /// <summary>The frames of one direction of a capture: each tag and its segment 0.</summary>
    private static List<(KestrelMessenger.Frames.Tag Tag, byte[] Payload)> Frames(ReadOnlyMemory<byte> stream)
    {
        var frames = new List<(KestrelMessenger.Frames.Tag, byte[])>();
        var rest = new System.Buffers.ReadOnlySequence<byte>(stream[Banner.Length..]);
        while (KestrelMessenger.Frames.FrameDecoder.TryDecode(rest, KestrelMessenger.Frames.FrameLimits.Default, out KestrelMessenger.Frames.Frame frame, out long length))
        {
            frames.Add((frame.Tag, System.Buffers.BuffersExtensions.ToArray(frame.Segment0)));
            rest = rest.Slice(length);
        }

        return frames;
    }

    private static async Task<string> ReadFromAsync(string path, long offset)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
