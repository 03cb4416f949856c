using System.Diagnostics;
using System.Globalization;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>
/// cephx crypto against vectors computed independently by TestData/cephx-vectors.py (python3
/// cryptography, AES-128-CBC with IV "cephsageyudagreg").
/// </summary>
public class CephxCryptoTests
{
    private static readonly Dictionary<string, string> V = CephxVectors.Load();

    private static CryptoKey KeyringKey => CryptoKey.FromBase64(V["keyring.base64"]);

    [Fact]
    public void A_keyring_key_printed_by_ceph_authtool_decodes_to_its_AES_secret()
    {
        CryptoKey key = KeyringKey;
        Assert.Equal(CryptoKeyType.Aes, key.Type);
        Assert.Equal(V["keyring.created"], key.Created.ToString());
        Assert.Equal(V["keyring.secret"], Convert.ToHexStringLower(key.Secret));
        Assert.Equal(V["keyring.base64"], key.ToBase64());
    }

    [Fact]
    public void A_key_freshly_printed_by_ceph_authtool_decodes()
    {
        var start = new ProcessStartInfo("ceph-authtool", "--gen-print-key") { RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        string printed = process.StandardOutput.ReadToEnd().Trim();
        Assert.True(process.WaitForExit(30_000));
        Assert.Equal(0, process.ExitCode);

        CryptoKey key = CryptoKey.FromBase64(printed);
        Assert.Equal(CryptoKeyType.Aes, key.Type);
        Assert.Equal(CryptoKey.AesKeyLength, key.Secret.Length);
        Assert.Equal(printed, key.ToBase64());
        Assert.InRange(key.Created.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    public void AES_CBC_with_the_fixed_IV_and_PKCS7_matches_the_independent_vectors(int length)
    {
        byte[] plain = Convert.FromHexString(V[$"aes.{length}.plain"]);
        byte[] cipher = Convert.FromHexString(V[$"aes.{length}.cipher"]);
        Assert.Equal(cipher, KeyringKey.Encrypt(plain));
        Assert.Equal(plain, KeyringKey.Decrypt(cipher));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_challenge_key_is_the_le64_fold_of_the_encrypted_challenge_blob_with_its_length_prefix(int i)
    {
        ulong server = ulong.Parse(V[$"fold.{i}.server"], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong client = ulong.Parse(V[$"fold.{i}.client"], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        using var w = new DencWriter();
        CephxCrypto.WriteEncrypted(w, new CephXChallengeBlob(server, client), KeyringKey);
        Assert.Equal(V[$"fold.{i}.encrypted"], Convert.ToHexStringLower(w.WrittenSpan));

        ulong expected = ulong.Parse(V[$"fold.{i}.key"], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(expected, CephxCrypto.ChallengeKey(KeyringKey, server, client));
    }

    [Fact]
    public void Our_envelope_is_byte_identical_to_the_independent_one_and_decrypts_back()
    {
        ulong value = ulong.Parse(V["challenge.value"], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        byte[] cipher = CephxCrypto.EncryptEnvelope(new CephXAuthorizeChallenge(value), KeyringKey);
        Assert.Equal(V["challenge.cipher"], Convert.ToHexStringLower(cipher));
        Assert.Equal(value, CephxCrypto.DecryptEnvelope<CephXAuthorizeChallenge>(cipher, KeyringKey).ServerChallenge);
    }

    [Fact]
    public void A_service_ticket_encrypted_independently_decrypts_to_its_session_key_and_validity()
    {
        var r = new DencReader(Convert.FromHexString(V["serviceticket.encrypted"]));
        CephXServiceTicket ticket = CephxCrypto.ReadEncrypted<CephXServiceTicket>(ref r, KeyringKey);
        Assert.True(r.End);
        Assert.Equal(V["serviceticket.session"], Convert.ToHexStringLower(ticket.SessionKey.Secret));
        Assert.Equal(new UTime(1700000000, 5), ticket.SessionKey.Created);
        Assert.Equal(new UTime(3600, 0), ticket.Validity);
    }

    [Fact]
    public void An_authorize_reply_encrypted_independently_yields_nonce_plus_one_and_the_64_byte_connection_secret()
    {
        CryptoKey session = CryptoKey.FromAesSecret(Convert.FromHexString(V["serviceticket.session"]), default);
        var r = new DencReader(Convert.FromHexString(V["authreply.encrypted"]));
        CephXAuthorizeReply reply = CephxCrypto.ReadEncrypted<CephXAuthorizeReply>(ref r, session);
        Assert.Equal(ulong.Parse(V["authreply.nonce_plus_one"], NumberStyles.HexNumber, CultureInfo.InvariantCulture), reply.NoncePlusOne);
        Assert.Equal(V["authreply.secret"], Convert.ToHexStringLower(reply.ConnectionSecret.Span));
    }

    [Fact]
    public void An_envelope_with_bad_magic_is_refused_with_a_clear_error()
    {
        var e = Assert.Throws<DecodeException>(() => CephxCrypto.DecryptEnvelope<CephXAuthorizeChallenge>(Convert.FromHexString(V["badmagic.cipher"]), KeyringKey));
        Assert.Contains("bad magic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypting_with_the_wrong_key_is_refused_without_echoing_either_key()
    {
        CryptoKey wrong = CryptoKey.FromAesSecret(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"), default);
        byte[] cipher = Convert.FromHexString(V["challenge.cipher"]);
        var e = Assert.Throws<DecodeException>(() => CephxCrypto.DecryptEnvelope<CephXAuthorizeChallenge>(cipher, wrong));
        Assert.DoesNotContain(V["keyring.secret"], e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("000102030405", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(V["keyring.base64"], e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    public void Ciphertext_that_is_not_whole_AES_blocks_is_refused(int length)
    {
        var e = Assert.Throws<DecodeException>(() => KeyringKey.Decrypt(new byte[length]));
        Assert.Contains("AES blocks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_bufferlist_longer_than_the_input_is_refused_before_decrypting()
    {
        byte[] hostile = [0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3];
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader(hostile);
            CephxCrypto.ReadEncrypted<CephXAuthorizeChallenge>(ref r, KeyringKey);
        });
    }

    [Fact]
    public void A_key_never_shows_its_secret_in_ToString()
    {
        string text = KeyringKey.ToString();
        Assert.DoesNotContain(V["keyring.secret"], text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(V["keyring.base64"], text, StringComparison.Ordinal);
        Assert.Contains("16 secret bytes", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AQAAAAAAAAAAAAQAAQIDBA==")] // AES with a 4-byte secret
    [InlineData("AgAAAAAAAAAAABAAAAECAwQFBgcICQoLDA0ODw==")] // unknown type 2
    public void A_malformed_keyring_key_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => CryptoKey.FromBase64(text));
    }
}

/// <summary>Reads TestData/cephx-vectors.txt ("name: hex" lines written by cephx-vectors.py).</summary>
internal static class CephxVectors
{
    public static Dictionary<string, string> Load()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "cephx-vectors.txt")))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }

        return values;
    }
}
