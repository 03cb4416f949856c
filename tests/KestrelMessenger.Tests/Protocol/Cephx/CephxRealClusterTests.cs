using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>
/// The cephx engine against a real Ceph 16.2 cluster started with <c>start-test-mon.sh --cephx --osd</c>,
/// over raw msgr2 frames in crc mode: a monitor login and an authorizer to the OSD (with its
/// challenge round). Each peer's AUTH_SIGNATURE, an HMAC-SHA256 keyed with the session key over the
/// bytes we sent, proves both sides hold the same session key.
/// </summary>
public partial class CephxRealClusterTests
{
    [Fact]
    public async Task Our_client_logs_in_to_a_cephx_monitor_and_authorizes_with_its_OSD()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kmsgr-cephx-engine-{Guid.NewGuid():N}");
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        (int exit, string output, string errors) = await Processes.RunAsync("bash",
            [Path.Combine(Processes.RepoRoot(), "scripts", "start-test-mon.sh"), dir, port.ToString(CultureInfo.InvariantCulture), "--cephx", "--osd"], TimeSpan.FromMinutes(3));
        Match mon = MonStarted().Match(output);
        Match osd = OsdStarted().Match(output);
        Match keyringLine = KeyringPath().Match(output);
        try
        {
            Assert.True(exit == 0 && mon.Success && osd.Success && keyringLine.Success, $"{output} {errors}");
            CryptoKey adminKey = KestrelMessenger.Config.Keyring.Load(keyringLine.Groups[1].Value.Trim())[new AuthEntityName(EntityType.Client, "admin")]!.Key!;
            var client = new CephxClient(new AuthEntityName(EntityType.Client, "admin"), adminKey);

            // Monitor login.
            var monAddr = new EntityAddr(EntityAddrType.Msgr2, 0, new IPEndPoint(IPAddress.Loopback, port));
            await using (var peer = await RawMsgr2Peer.ConnectAsync(monAddr.EndPoint!))
            {
                var sent = new List<byte[]>();
                await Send(peer, sent, RawMsgr2Peer.BannerBytes());
                await peer.ReadBannerAsync();
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new HelloFrame(EntityType.Client, monAddr)));
                (await peer.ReadFrameAsync()).As<HelloFrame>();

                using var request = new DencWriter();
                client.WriteMonAuthRequest(request);
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new AuthRequestFrame(AuthMethod.Cephx, [(uint)ConnectionMode.Crc], request.ToArray())));
                AuthReplyMoreFrame more = (await peer.ReadFrameAsync()).As<AuthReplyMoreFrame>();
                var state = new CephxMonState();
                var answer = Assert.IsType<CephxClientStep.Send>(client.HandleMonReplyMore(state, more.Payload.Span));
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new AuthRequestMoreFrame(answer.Payload)));
                AuthDoneFrame done = (await peer.ReadFrameAsync()).As<AuthDoneFrame>();
                Assert.Equal(ConnectionMode.Crc, done.Mode);

                var result = Assert.IsType<CephxClientStep.Done>(client.HandleMonAuthDone(state, done.GlobalId, done.Mode, done.Payload.Span));
                Assert.True(result.ConnectionSecret.IsEmpty);
                Assert.NotEqual(0ul, client.GlobalId);
                AuthSignatureFrame signature = (await peer.ReadFrameAsync()).As<AuthSignatureFrame>();
                Assert.Equal(HMACSHA256.HashData(result.SessionKey.Secret, sent.SelectMany(b => b).ToArray()), signature.Signature.ToArray());
                foreach (EntityType service in new[] { EntityType.Mon, EntityType.Osd, EntityType.Mgr })
                {
                    Assert.True(client.GetTicketStatus(service)?.HaveKey, $"{service} ticket");
                }
            }

            // Authorizer to the OSD: AUTH_REQUEST, the OSD's challenge, the answer, AUTH_DONE.
            EntityAddr osdAddr = await OsdAddressAsync(dir);
            await using (var peer = await RawMsgr2Peer.ConnectAsync(osdAddr.EndPoint!))
            {
                var sent = new List<byte[]>();
                await Send(peer, sent, RawMsgr2Peer.BannerBytes());
                await peer.ReadBannerAsync();
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new HelloFrame(EntityType.Client, osdAddr)));
                (await peer.ReadFrameAsync()).As<HelloFrame>();

                var state = new CephxAuthorizerState();
                var authorizer = Assert.IsType<CephxClientStep.Send>(client.BuildAuthorizer(state, EntityType.Osd));
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new AuthRequestFrame(AuthMethod.Cephx, [(uint)ConnectionMode.Crc], authorizer.Payload)));
                AuthReplyMoreFrame challenge = (await peer.ReadFrameAsync()).As<AuthReplyMoreFrame>();
                var answer = Assert.IsType<CephxClientStep.Send>(CephxClient.HandleAuthorizerReplyMore(state, challenge.Payload.Span));
                await Send(peer, sent, RawMsgr2Peer.FrameBytes(new AuthRequestMoreFrame(answer.Payload)));
                AuthDoneFrame done = (await peer.ReadFrameAsync()).As<AuthDoneFrame>();
                Assert.Equal(client.GlobalId, done.GlobalId);

                var result = Assert.IsType<CephxClientStep.Done>(CephxClient.HandleAuthorizerDone(state, done.Mode, done.Payload.Span));
                AuthSignatureFrame signature = (await peer.ReadFrameAsync()).As<AuthSignatureFrame>();
                Assert.Equal(HMACSHA256.HashData(result.SessionKey.Secret, sent.SelectMany(b => b).ToArray()), signature.Signature.ToArray());
            }
        }
        finally
        {
            if (osd.Success)
            {
                await Processes.StopAsync(int.Parse(osd.Groups[2].Value, CultureInfo.InvariantCulture), grace: TimeSpan.FromSeconds(15));
            }

            if (mon.Success)
            {
                await Processes.StopAsync(int.Parse(mon.Groups[1].Value, CultureInfo.InvariantCulture), grace: TimeSpan.FromSeconds(15));
            }

            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static async Task Send(RawMsgr2Peer peer, List<byte[]> sent, byte[] bytes)
    {
        sent.Add(bytes);
        await peer.SendAsync(bytes);
    }

    private static async Task<EntityAddr> OsdAddressAsync(string dir)
    {
        (int exit, string json, string errors) = await Processes.RunAsync("ceph",
            ["-c", Path.Combine(dir, "ceph.conf"), "-k", Path.Combine(dir, "keyring"), "osd", "dump", "--format", "json"], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, errors);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement v2 = doc.RootElement.GetProperty("osds")[0].GetProperty("public_addrs").GetProperty("addrvec")
            .EnumerateArray().First(a => a.GetProperty("type").GetString() == "v2");
        return new EntityAddr(EntityAddrType.Msgr2, v2.GetProperty("nonce").GetUInt32(), IPEndPoint.Parse(v2.GetProperty("addr").GetString()!));
    }

    [GeneratedRegex(@"pid=(\d+) fsid=")]
    private static partial Regex MonStarted();

    [GeneratedRegex(@"osd=(\d+) osd_pid=(\d+)")]
    private static partial Regex OsdStarted();

    [GeneratedRegex(@"keyring=(\S+)")]
    private static partial Regex KeyringPath();
}
