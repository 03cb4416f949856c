using System.Buffers;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Tests.Harness;
using KestrelMessenger.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelMessenger.Tests.Interop;

/// <summary>
/// Our messenger as a cephx daemon: it logs in to the real monitor as an OSD, fetches the rotating OSD
/// service secrets, and with them verifies the tickets clients got from the monitor.
/// </summary>
[Collection(CephxCluster.Name)]
public class CephxDaemonTests(CephxClusterFixture cluster)
{
    private EntityAddr Mon => EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0");

    /// <summary>A key for <paramref name="name"/> as an operator makes one for a new OSD.</summary>
    internal async Task<CryptoKey> OsdKeyAsync(string name)
    {
        string keyring = await cluster.CephAsync("auth", "get-or-create", name, "mon", "allow profile osd", "mgr", "allow profile osd", "osd", "allow *");
        return KestrelMessenger.Config.Keyring.Parse(keyring).Find(name)!.Key!;
    }

    internal async Task<MessengerTestHost> DaemonAsync(string name, CryptoKey key, string serviceModes)
    {
        MessengerTestHost daemon = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephAuth(AuthEntityName.Parse(name), key);
            services.Configure<AuthOptions>(o => o.ServiceMode = serviceModes);
            services.AddCephMessenger("public", o => { o.Entity = name; o.BindTo("v2:127.0.0.1:0"); }).AddDispatcher<CephxKeeper>();
        });
        IConnection mon = daemon.Messenger("public").ConnectTo(EntityType.Mon, Mon);
        await mon.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        CephxKeeper keeper = daemon.Get<CephxKeeper>();
        keeper.OnSession(mon);
        await keeper.WaitForRotatingKeysAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        return daemon;
    }

    internal Task<MessengerTestHost> AdminAsync() => MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
    {
        services.AddCephAuth(AuthEntityName.Parse("client.admin"), cluster.AdminKey);
        services.Configure<AuthOptions>(o => o.ClientMode = "secure crc");
        services.AddCephMessenger("client", o => o.Entity = "client.-1");
    });

    [Theory]
    [InlineData("crc", ConnectionMode.Crc)]
    [InlineData("secure", ConnectionMode.Secure)]
    public async Task Our_osd_verifies_a_client_ticket_with_the_rotating_secrets_it_fetched(string serviceModes, ConnectionMode expected)
    {
        await using MessengerTestHost daemon = await DaemonAsync("osd.7", await OsdKeyAsync("osd.7"), serviceModes);
        Assert.NotNull(daemon.Get<RotatingKeyring>().Secrets);

        await using MessengerTestHost admin = await AdminAsync();
        Messenger client = admin.Messenger("client");
        await client.ConnectTo(EntityType.Mon, Mon).PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        IConnection osd = client.ConnectTo(EntityType.Osd, daemon.Messenger("public").MyAddrs);
        for (int i = 0; i < 3; i++)
        {
            await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Equal((AuthMethod.Cephx, expected), (osd.Handshake!.Auth.Method, osd.Handshake.Mode));
        IConnection accepted = Assert.Single(daemon.Messenger("public").Connections, c => c.PeerName.Type == EntityType.Client);
        CephAuthResult auth = accepted.Handshake!.Auth;
        Assert.Equal(AuthEntityName.Parse("client.admin"), auth.Peer!.Name);
        Assert.Equal("allow *", auth.Peer.Caps["osd"]);
        Assert.Equal(admin.Get<CephAuthClient>().GlobalId, auth.GlobalId);
    }

    [Fact]
    public async Task Before_it_has_the_rotating_secrets_a_daemon_refuses_every_ticket_with_a_logged_reason()
    {
        // Logged in, but the rotating secrets were never fetched: no ticket can be opened yet.
        await using MessengerTestHost daemon = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephAuth(AuthEntityName.Parse("osd.8"), OsdKeyAsync("osd.8").GetAwaiter().GetResult());
            services.AddCephMessenger("public", o => { o.Entity = "osd.8"; o.BindTo("v2:127.0.0.1:0"); });
        });

        await using MessengerTestHost admin = await AdminAsync();
        Messenger client = admin.Messenger("client");
        await client.ConnectTo(EntityType.Mon, Mon).PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        IConnection osd = client.ConnectTo(EntityType.Osd, daemon.Messenger("public").MyAddrs);
        await Assert.ThrowsAnyAsync<Exception>(() => osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(FailureKind.AuthRefused, osd.Failure?.Kind);
        Assert.Contains("auth refused: cephx answered EACCES", osd.Failure!.Reason);
        string line = await daemon.Logs.WaitForAsync("refused");
        Assert.Contains("client", line);
    }
}

/// <summary>Secrets stay out of the logs: no key, session key or connection secret in any form, at any level.</summary>
[Collection(CephxCluster.Name)]
public class CephxLogSecrecyTests(CephxClusterFixture cluster)
{
    [Fact]
    public async Task No_key_session_key_or_connection_secret_reaches_a_log()
    {
        var tests = new CephxDaemonTests(cluster);
        CryptoKey osdKey = await tests.OsdKeyAsync("osd.9");
        await using MessengerTestHost daemon = await tests.DaemonAsync("osd.9", osdKey, "secure");
        await using MessengerTestHost admin = await tests.AdminAsync();
        Messenger client = admin.Messenger("client");
        IConnection mon = client.ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0"));
        await mon.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        IConnection osd = client.ConnectTo(EntityType.Osd, daemon.Messenger("public").MyAddrs);
        await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        // A refusal logs too: a client that never logged in presents no ticket.
        await using MessengerTestHost stranger = await tests.AdminAsync();
        IConnection refused = stranger.Messenger("client").ConnectTo(EntityType.Osd, daemon.Messenger("public").MyAddrs);
        await Assert.ThrowsAnyAsync<Exception>(() => refused.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        var secrets = new List<byte[]> { cluster.AdminKey.Secret.ToArray(), osdKey.Secret.ToArray() };
        foreach (IConnection c in new[] { mon, osd }.Concat(daemon.Messenger("public").Connections))
        {
            AuthKeys keys = ((KestrelMessenger.Connections.MessengerConnection)c).Handshake!.AuthContext!.Keys;
            secrets.Add(keys.SessionKey.ToArray());
            secrets.Add(keys.ConnectionSecret.ToArray());
        }

        string[] forms = [.. secrets.Where(s => s.Length >= 16).SelectMany(s => new[]
        {
            Convert.ToBase64String(s), Convert.ToHexString(s), Convert.ToHexString(s).ToLowerInvariant(),
            Convert.ToBase64String(s[..12]), Convert.ToHexString(s[..8]).ToLowerInvariant(),
        })];
        string[] lines = [.. daemon.Logs.Lines, .. admin.Logs.Lines, .. stranger.Logs.Lines];
        Assert.True(lines.Length > 10, "the scenario logs something to scan");
        Assert.True(secrets.Count >= 6, "keys were collected");
        foreach (string form in forms)
        {
            Assert.DoesNotContain(lines, l => l.Contains(form, StringComparison.Ordinal));
        }
    }
}

/// <summary>On a live secure connection, one flipped bit fails its GCM tag: the receiver closes that connection, saying so.</summary>
[Collection(CephxCluster.Name)]
public class SecureTamperTests(CephxClusterFixture cluster)
{
    [Fact]
    public async Task A_frame_tampered_with_on_the_wire_is_refused_and_closes_only_that_connection()
    {
        var tests = new CephxDaemonTests(cluster);
        await using MessengerTestHost daemon = await tests.DaemonAsync("osd.10", await tests.OsdKeyAsync("osd.10"), "secure");
        var wire = new BitFlipper();
        await using MessengerTestHost admin = await MessengerTestHost.StartAsync(TransportKind.Tcp, services =>
        {
            services.AddCephAuth(AuthEntityName.Parse("client.admin"), cluster.AdminKey);
            services.Configure<AuthOptions>(o => o.ClientMode = "secure");
            services.AddCephMessenger("client", o =>
            {
                o.Entity = "client.-1";
                o.ConnectionMiddleware.Add(b => b.Use(next => connection => wire.RunAsync(connection, next)));
            });
        });
        Messenger client = admin.Messenger("client");
        await client.ConnectTo(EntityType.Mon, EntityAddr.Parse($"v2:127.0.0.1:{cluster.Port}/0")).PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        IConnection osd = client.ConnectTo(EntityType.Osd, daemon.Messenger("public").MyAddrs);
        await osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ConnectionMode.Secure, osd.Handshake!.Mode);

        wire.Arm(); // the next bytes our client writes (a KEEPALIVE2 frame) reach the OSD with one bit flipped
        await Assert.ThrowsAnyAsync<Exception>(() => osd.PingAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        string line = await daemon.Logs.WaitForAsync("closed: secure frame preamble block failed AES-GCM authentication");
        Assert.StartsWith("Warning: Messenger public: connection to client.", line);
        // The monitor session, another connection of the same client through the same middleware, is untouched.
        Assert.Contains(client.Connections, c => c.PeerName.Type == EntityType.Mon && c.IsConnected);
    }

    /// <summary>Connection middleware below the banner: copies what the messenger writes to the socket, flipping one bit once armed.</summary>
    private sealed class BitFlipper
    {
        private volatile bool _armed;

        public void Arm() => _armed = true;

        public async Task RunAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection, Microsoft.AspNetCore.Connections.ConnectionDelegate next)
        {
            System.IO.Pipelines.IDuplexPipe socket = connection.Transport;
            var outbound = new System.IO.Pipelines.Pipe();
            connection.Transport = new Duplex(socket.Input, outbound.Writer);
            Task pump = PumpAsync(outbound.Reader, socket.Output);
            try
            {
                await next(connection);
            }
            finally
            {
                await outbound.Writer.CompleteAsync();
                await pump;
            }
        }

        private async Task PumpAsync(System.IO.Pipelines.PipeReader from, System.IO.Pipelines.PipeWriter to)
        {
            while (true)
            {
                System.IO.Pipelines.ReadResult read = await from.ReadAsync();
                byte[] bytes = read.Buffer.ToArray();
                if (_armed && bytes.Length > 0)
                {
                    _armed = false;
                    bytes[0] ^= 0x01;
                }

                from.AdvanceTo(read.Buffer.End);
                if (bytes.Length > 0)
                {
                    await to.WriteAsync(bytes);
                }

                if (read.IsCompleted)
                {
                    await to.CompleteAsync();
                    return;
                }
            }
        }
    }

    private sealed record Duplex(System.IO.Pipelines.PipeReader Input, System.IO.Pipelines.PipeWriter Output) : System.IO.Pipelines.IDuplexPipe;
}
