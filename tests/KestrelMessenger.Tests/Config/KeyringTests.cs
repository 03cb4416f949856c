using KestrelMessenger.Config;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Config;

/// <summary>Keyrings as Ceph writes them (ceph-authtool is the producer), keys decoded as CryptoKey.</summary>
public class KeyringTests
{
    // type 1 (AES), created 1700000000.123456789, 16 bytes 0x10..0x1f: made with python3 struct.pack('<HIIH', …) + bytes.
    private const string Vector = "AQAA8VNlFc1bBxAAEBESExQVFhcYGRobHB0eHw==";

    [Fact]
    public void A_key_decodes_to_type_created_and_secret()
    {
        CryptoKey key = Keyring.Parse($"[client.x]\nkey = {Vector}\n").Find("client.x")!.Key!;
        Assert.Equal(CryptoKeyType.Aes, key.Type);
        Assert.Equal(new UTime(1700000000, 123456789), key.Created);
        Assert.Equal(Enumerable.Range(0x10, 16).Select(b => (byte)b), key.Secret.ToArray());
        Assert.Equal(Vector, key.ToBase64());
        Assert.DoesNotContain("EBESExQVFhcYGRobHB0eHw", key.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "not base64!", "key: is not base64" },
        { "AQABAA==", "key: 4 bytes is too short for a key (12-byte header)" },
        { "AQABAAAAAgAAAA8AEBESExQVFhcYGRobHB0e", "key: an AES key of 15 bytes is too short (at least 16)" },
        { "AQABAAAAAgAAACgAEBESExQVFhcYGRobHB0eHw==", "key: says its secret has 40 bytes but only 16 follow" },
        { "BwABAAAAAgAAABAAEBESExQVFhcYGRobHB0eHw==", "key: key type 7 is not supported (1 is AES)" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void A_bad_key_is_refused_without_showing_it(string base64, string message)
    {
        var e = Assert.Throws<CephConfigException>(() => Keyring.FromKey(new AuthEntityName(EntityType.Client, "x"), base64));
        Assert.Equal(message.Replace("key: ", "the key for client.x: ", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public async Task A_keyring_made_by_ceph_authtool_reads_back_with_key_and_caps()
    {
        using var dir = new CephTools.TempDir();
        string path = Path.Combine(dir.Path, "ceph.client.admin.keyring");
        (int exit, _, string errors) = await CephTools.RunAsync("ceph-authtool",
            ["--create-keyring", path, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow rw pool=a b"]);
        Assert.True(exit == 0, errors);
        await CephTools.RunAsync("ceph-authtool", [path, "--gen-key", "-n", "osd.3"]);
        (_, string printed, _) = await CephTools.RunAsync("ceph-authtool", [path, "-n", "client.admin", "-p"]);

        Keyring keyring = Keyring.Load(path);
        KeyringEntry admin = keyring.Find("client.admin")!;
        Assert.Equal(printed.Trim(), admin.Key!.ToBase64());
        Assert.Equal((CryptoKeyType.Aes, 16), (admin.Key.Type, admin.Key.Secret.Length));
        Assert.Equal(Convert.FromBase64String(printed.Trim())[12..], admin.Key.Secret.ToArray());
        Assert.Equal(new Dictionary<string, string> { ["mon"] = "allow *", ["osd"] = "allow rw pool=a b" }, admin.Caps);
        Assert.NotNull(keyring[new AuthEntityName(EntityType.Osd, "3")]?.Key);
        Assert.DoesNotContain(admin.Key.ToBase64(), keyring.ToString() + admin + admin.Key, StringComparison.Ordinal);
    }

    [Fact]
    public void Global_is_skipped_and_auid_is_read()
    {
        Keyring keyring = Keyring.Parse($"[global]\nfoo = bar\n[client.x]\n\tkey = {Vector}\n\tauid = 7\n");
        Assert.Equal(7ul, keyring.Find("client.x")!.Auid);
        Assert.Single(keyring.Entries);
    }

    public static TheoryData<string, string> BadKeyrings => new()
    {
        { $"[bogus]\nkey = {Vector}\n", "k: [bogus] is not an entity name (TYPE.ID, TYPE one of auth, mon, osd, mds, mgr, client)" },
        { $"[client.a]\nsecret = {Vector}\n", "k: [client.a] has 'secret', which is not key, caps SERVICE or auid" },
        { "[client.a]\nkey = AQAB # a comment\n", "k: [client.a] key: 3 bytes is too short for a key (12-byte header)" },
        { "[client.a]\nkey = \"AQABAAAA\n", "k:2: line has no closing \"" },
        { "[client.a]\nkey = AQABAAAA\n", "k: [client.a] key: 6 bytes is too short for a key (12-byte header)" },
    };

    [Theory]
    [MemberData(nameof(BadKeyrings))]
    public void A_bad_keyring_names_the_line_but_never_quotes_it(string text, string message)
    {
        var e = Assert.Throws<CephConfigException>(() => Keyring.Parse(text, "k"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_bare_key_file_and_a_key_option_give_one_entry()
    {
        using var dir = new CephTools.TempDir();
        string file = dir.Write("admin.key", Vector + "\n");
        var name = new AuthEntityName(EntityType.Client, "admin");
        Assert.Equal(Vector, Keyring.LoadKeyFile(name, file)[name]!.Key!.ToBase64());
        Assert.Equal(Vector, Keyring.FromKey(name, Vector)[name]!.Key!.ToBase64());
    }

    [Fact]
    public async Task The_default_keyring_search_path_is_cephs()
    {
        using var dir = new CephTools.TempDir();
        string conf = dir.Write("ceph.conf", "[global]\nfoo = 1\n");
        (_, string output, _) = await CephTools.RunAsync("ceph-conf", ["-c", conf, "-n", "client.admin", "--show-config-value", "keyring"]);
        Assert.Equal(output.Trim(), new CephMetaVariables().Expand(Keyring.DefaultSearchPath, "client.admin"));
    }

    [Fact]
    public void The_first_file_on_the_search_list_that_opens_is_used()
    {
        using var dir = new CephTools.TempDir();
        string second = dir.Write("b.keyring", "");
        Assert.Equal(second, Keyring.ResolveFileSearch($"{dir.Path}/missing.keyring, {second};{dir.Path}/c"));
        Assert.Null(Keyring.ResolveFileSearch($"{dir.Path}/missing.keyring"));
    }
}
