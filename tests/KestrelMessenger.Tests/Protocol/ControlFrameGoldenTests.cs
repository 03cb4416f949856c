using System.Buffers;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol;

/// <summary>Handshake payloads captured between a real OSD, monitor and rados client decode into our records and re-encode identically.</summary>
public class ControlFrameGoldenTests
{
    private static byte[] Payload(string title)
    {
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(GoldenFrames.Get(title).Bytes), FrameLimits.Default, out Frame frame, out _));
        return frame.Segment0.ToArray();
    }

    private static T RoundTrip<T>(string title) where T : IControlFrame<T>
    {
        byte[] payload = Payload(title);
        T decoded = ControlFrame.Decode<T>(payload);
        using var w = new DencWriter();
        decoded.Encode(w);
        Assert.Equal(Convert.ToHexString(payload), Convert.ToHexString(w.WrittenSpan));
        return decoded;
    }

    [Fact]
    public void Hello_names_the_sender_type_and_how_it_sees_the_peer()
    {
        HelloFrame osd = RoundTrip<HelloFrame>("OSD -> mon HELLO");
        Assert.Equal(EntityType.Osd, osd.EntityType);
        Assert.Equal(EntityAddrType.Msgr2, osd.PeerAddr.Type);
        Assert.Equal(EntityType.Mon, RoundTrip<HelloFrame>("mon -> OSD HELLO").EntityType);
        Assert.Equal(EntityType.Client, RoundTrip<HelloFrame>("rados client -> OSD HELLO").EntityType);
    }

    [Fact]
    public void Auth_none_requests_carry_mode_name_and_global_id()
    {
        AuthRequestFrame toMon = RoundTrip<AuthRequestFrame>("OSD -> mon AUTH_REQUEST");
        Assert.Equal(AuthMethod.None, toMon.Method);
        Assert.Equal([1u], toMon.PreferredModes);
        Assert.Equal("0A" + "04000000" + "01000000" + "30" + "0000000000000000", Convert.ToHexString(toMon.Payload.Span)); // mon login, osd.0, global_id 0

        AuthRequestFrame toOsd = RoundTrip<AuthRequestFrame>("rados client -> OSD AUTH_REQUEST");
        Assert.Equal(1, toOsd.Payload.Span[0]); // the none authorizer
    }

    [Fact]
    public void Auth_done_and_signatures_match_the_auth_none_exchange()
    {
        AuthDoneFrame done = RoundTrip<AuthDoneFrame>("mon -> OSD AUTH_DONE");
        Assert.Equal(ConnectionMode.Crc, done.Mode);
        Assert.True(done.Payload.IsEmpty);
        Assert.All(RoundTrip<AuthSignatureFrame>("mon -> OSD AUTH_SIGNATURE").Signature.ToArray(), b => Assert.Equal(0, b));
        Assert.All(RoundTrip<AuthSignatureFrame>("OSD -> mon AUTH_SIGNATURE").Signature.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Ident_frames_carry_pacific_features_and_the_dialled_address()
    {
        ClientIdentFrame client = RoundTrip<ClientIdentFrame>("OSD -> mon CLIENT_IDENT");
        Assert.Equal(CephFeatures.All, client.SupportedFeatures);
        Assert.True(CephFeatures.Has(client.RequiredFeatures, CephFeatures.MsgAddr2));

        ServerIdentFrame server = RoundTrip<ServerIdentFrame>("mon -> OSD SERVER_IDENT");
        Assert.Contains(client.TargetAddr, server.Addrs);
        Assert.Equal(CephFeatures.All, server.SupportedFeatures);

        ServerIdentFrame osd = RoundTrip<ServerIdentFrame>("OSD -> rados client SERVER_IDENT");
        ClientIdentFrame rados = RoundTrip<ClientIdentFrame>("rados client -> OSD CLIENT_IDENT");
        Assert.True(rados.TargetAddr.MatchesServerAddr(osd.Addrs.Msgr2!));
        Assert.Equal(IdentFlags.Lossy, osd.Flags & IdentFlags.Lossy);
    }

    [Fact]
    public void Keepalives_echo_the_timestamp()
    {
        Keepalive2Frame ping = RoundTrip<Keepalive2Frame>("OSD -> mon KEEPALIVE2");
        Keepalive2AckFrame pong = RoundTrip<Keepalive2AckFrame>("mon -> OSD KEEPALIVE2_ACK");
        Assert.Equal(ping.Timestamp, pong.Timestamp);
    }

    [Fact]
    public void Message_headers_decode_with_type_priority_and_versions()
    {
        Assert.True(FrameDecoder.TryDecode(new ReadOnlySequence<byte>(GoldenFrames.Get("mon -> OSD MESSAGE MMonGetVersionReply").Bytes), FrameLimits.Default, out Frame frame, out _));
        MessageHeader header = MessageHeader.Read(frame.Segment0.ToArray());
        Assert.Equal(MessageTypes.MonGetVersionReply, header.Type);
        Assert.Equal(MessagePriority.High, header.Priority);
        Assert.Equal(2, header.Version);

        byte[] again = new byte[MessageHeader.Length];
        header.Write(again);
        Assert.Equal(frame.Segment0.ToArray(), again);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP")]
    [InlineData("ceph v027\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "msgr1")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001", "TLS")]
    [InlineData("SSH-2.0-OpenSSH_9.2", "not speaking Ceph msgr2")]
    public void A_banner_from_the_wrong_kind_of_peer_is_named(string sent, string reason)
    {
        byte[] bytes = System.Text.Encoding.Latin1.GetBytes(sent);
        var e = Assert.Throws<ProtocolException>(() => Banner.TryRead(new ReadOnlySequence<byte>(bytes), out _, out _));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Our_banner_is_the_one_pacific_sends_but_requiring_rev1()
    {
        var output = new ArrayBufferWriter<byte>();
        Banner.Write(output, 1, 0);
        Assert.Equal(GoldenFrames.Get("banner sent by the OSD to the mon").Bytes, output.WrittenSpan.ToArray());
        Assert.True(Banner.TryRead(new ReadOnlySequence<byte>(output.WrittenMemory), out PeerBanner peer, out long consumed));
        Assert.Equal((1ul, 0ul, 26L), (peer.Supported, peer.Required, consumed));
    }

    [Fact]
    public void A_session_reconnect_and_the_real_osds_reconnect_ok_decode_and_reencode_identically()
    {
        SessionReconnectFrame reconnect = RoundTrip<SessionReconnectFrame>("golden-osd-reconnect: osd.7 -> ceph-osd osd.0 #4 SessionReconnect");
        Assert.Equal((2ul, 1ul, 0ul), (reconnect.GlobalSeq, reconnect.ConnectSeq, reconnect.MsgSeq));
        Assert.NotEqual(0ul, reconnect.ClientCookie);
        Assert.NotEqual(0ul, reconnect.ServerCookie);
        Assert.Equal(3ul, RoundTrip<SessionReconnectOkFrame>("golden-osd-reconnect: ceph-osd osd.0 -> osd.7 #4 SessionReconnectOk").MsgSeq);
        Assert.Equal(4ul, RoundTrip<AckFrame>("golden-osd-reconnect: ceph-osd osd.0 -> osd.7 #6 Ack").Seq);
    }
}
