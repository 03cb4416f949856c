using System.Net;
using System.Security.Cryptography;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>
/// The cephx engine against the real Ceph 16.2 cephx cluster (<see cref="CephxClusterFixture"/>),
/// over raw msgr2 frames in crc mode: a monitor login and an authorizer to the OSD (with its
/// challenge round). Each peer's AUTH_SIGNATURE, an HMAC-SHA256 keyed with the session key over the
/// bytes we sent, proves both sides hold the same session key.
/// </summary>
[Collection(CephxCluster.Name)]
public class CephxRealClusterTests(CephxClusterFixture cluster)
{
    [Fact]
    public async Task Our_client_logs_in_to_a_cephx_monitor_and_authorizes_with_its_OSD()
    {
        CryptoKey adminKey = cluster.AdminKey;
        var client = new CephxClient(new AuthEntityName(EntityType.Client, "admin"), adminKey);

        // Monitor login.
        var monAddr = new EntityAddr(EntityAddrType.Msgr2, 0, new IPEndPoint(IPAddress.Loopback, cluster.Port));
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
        EntityAddr osdAddr = cluster.OsdPublicAddrs.First(a => a.Type == EntityAddrType.Msgr2);
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

    private static async Task Send(RawMsgr2Peer peer, List<byte[]> sent, byte[] bytes)
    {
        sent.Add(bytes);
        await peer.SendAsync(bytes);
    }
}
