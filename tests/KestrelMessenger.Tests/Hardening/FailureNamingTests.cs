using System.Net;
using System.Net.Sockets;
using System.Text;
using KestrelMessenger.Connections;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Transport;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Tests.Hardening;

/// <summary>Every way a connection can end is named for what happened, as a kind and in words.</summary>
public class FailureNamingTests
{
    /// <summary>
    /// What each peer does with the connection once it has accepted it. Like real servers, those that answer
    /// read our banner first: a peer that hangs up on bytes it never read resets the connection, and a
    /// reset can overtake the bytes it sent just before (the transport then reports only the reset).
    /// </summary>
    public static TheoryData<string, Func<Socket, Task>, FailureKind, string> Peers => new()
    {
        { "accepts and closes", s => { s.Close(); return Task.CompletedTask; }, FailureKind.PeerClosed, "peer closed the connection before sending its banner" },
        { "sends part of a banner and closes", s => AnswerAsync(s, "ceph v2\n\x10\0"u8.ToArray()), FailureKind.PeerClosed, "peer closed the connection while sending its banner (10 of 26 bytes)" },
        { "answers HTTP and closes", s => AnswerAsync(s, Encoding.ASCII.GetBytes("HTTP/1.0 400 Bad request\r\n\r\n")), FailureKind.NotMsgr2, "peer speaks HTTP, not Ceph msgr2" },
        { "answers with a TLS alert and closes", s => AnswerAsync(s, [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]), FailureKind.NotMsgr2, "peer is not speaking Ceph msgr2 (banner starts 15030100020246)" },
        { "answers msgr1 and closes", s => AnswerAsync(s, Encoding.ASCII.GetBytes("ceph v027")), FailureKind.NotMsgr2, "peer speaks msgr1" },
        { "never says a word", s => Task.Delay(4000), FailureKind.TimedOut, "handshake timed out after 1 s" },
    };

    private static async Task AnswerAsync(Socket peer, byte[] answer)
    {
        byte[] banner = new byte[KestrelMessenger.Protocol.Banner.Length];
        for (int got = 0; got < banner.Length;)
        {
            got += await peer.ReceiveAsync(banner.AsMemory(got));
        }

        await peer.SendAsync(answer);
        peer.Shutdown(SocketShutdown.Both);
        peer.Close();
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task A_peer_that_is_no_msgr2_server_is_named_for_what_it_did(string what, Func<Socket, Task> behave, FailureKind kind, string reason)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        await using MessengerTestHost host = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
            services.AddCephMessenger("client", o => { o.Entity = "client.-1"; o.HandshakeTimeout = TimeSpan.FromSeconds(1); }));

        // Several times over: the verdict must not depend on how the peer's bytes and its close race ours.
        for (int round = 0; round < 5; round++)
        {
            Task serving = Task.Run(async () =>
            {
                using Socket peer = await listener.AcceptSocketAsync();
                await behave(peer);
            });
            IConnection connection = host.Messenger("client").ConnectTo(EntityType.Any, EntityAddr.V2(endPoint, 0));
            await connection.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(connection.Failure is not null, what);
            Assert.Equal((kind, true), (connection.Failure!.Kind, connection.Failure.Reason.StartsWith(reason, StringComparison.Ordinal)));
            await serving;
            if (kind == FailureKind.TimedOut)
            {
                break;
            }
        }
    }

    public static TheoryData<Exception, bool, bool, FailureKind, string> Exceptions => new()
    {
        { new InvalidOperationException("Writing is not allowed after writer was completed."), false, false, FailureKind.PeerClosed, "connection closed during the handshake" },
        { new ConnectionResetException("Connection reset by peer"), false, false, FailureKind.PeerClosed, "peer reset the connection during the handshake" },
        { new IOException("Broken pipe"), false, false, FailureKind.PeerClosed, "peer reset the connection during the handshake" },
        { new ConnectionAbortedException("The connection was aborted by the application."), false, false, FailureKind.Local, "connection aborted locally during the handshake" },
        { new OperationCanceledException(), true, false, FailureKind.TimedOut, "handshake timed out after 10 s" },
        { new OperationCanceledException(), false, true, FailureKind.Local, "closed locally during the handshake" },
        { new ProtocolException("peer speaks HTTP, not Ceph msgr2", FailureKind.NotMsgr2), false, false, FailureKind.NotMsgr2, "peer speaks HTTP, not Ceph msgr2" },
        { new KestrelMessenger.Frames.FrameException(KestrelMessenger.Frames.FrameError.BadPreambleCrc, "preamble crc 0x1 does not match 0x2"), false, false, FailureKind.ProtocolError, "preamble crc 0x1 does not match 0x2" },
        { new DecodeException("blob of 9 bytes but only 2 remain"), false, false, FailureKind.ProtocolError, "blob of 9 bytes but only 2 remain" },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Handshake_exceptions_become_failures_in_our_words(Exception e, bool timedOut, bool stopping, FailureKind kind, string reason) =>
        Assert.Equal(new ConnectionFailure(kind, reason), HandshakeFailures.From(e, timedOut, stopping, TimeSpan.FromSeconds(10)));

    [Fact]
    public void An_exception_that_is_a_bug_is_not_dressed_up_as_a_peer_failure() =>
        Assert.Null(HandshakeFailures.From(new NullReferenceException(), false, false, TimeSpan.FromSeconds(10)));

    public static TheoryData<FailureKind, bool, CloseKind> CloseKinds => new()
    {
        { FailureKind.Local, true, CloseKind.Local },
        { FailureKind.Local, false, CloseKind.Local },
        { FailureKind.Refused, false, CloseKind.Refused },
        { FailureKind.AuthRefused, false, CloseKind.Refused },
        { FailureKind.PeerClosed, false, CloseKind.Refused },
        { FailureKind.PeerClosed, true, CloseKind.Reset },
        { FailureKind.Idle, true, CloseKind.Reset },
        { FailureKind.ProtocolError, true, CloseKind.Fault },
        { FailureKind.ProtocolError, false, CloseKind.Refused },
    };

    [Theory]
    [MemberData(nameof(CloseKinds))]
    public void Dispatchers_hear_of_a_close_as_ceph_reports_it(FailureKind kind, bool wasReady, CloseKind expected) =>
        Assert.Equal(expected, new ConnectionFailure(kind, "why").CloseKindFor(wasReady));
}
