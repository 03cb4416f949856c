using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>Every cephx structure survives encode → decode → encode, and the fixed layouts have Ceph's sizes.</summary>
public class CephxStructureTests
{
    private static readonly CryptoKey Key = CryptoKey.FromAesSecret(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), new UTime(1700000000, 42));
    private static readonly CephXTicketBlob Blob = new(7, new byte[] { 9, 8, 7, 6, 5 });
    private static readonly AuthTicket Ticket = new(new AuthEntityName(EntityType.Client, "admin"), 4242, new UTime(10, 1), new UTime(3610, 1), AuthCapsInfo.FromText("allow *"), 3);

    public static TheoryData<string> Structures => new(Samples().Keys);

    private static Dictionary<string, Func<DencWriter, byte[]>> Samples() => new()
    {
        ["CephXServerChallenge"] = w => RoundTrip(w, new CephXServerChallenge(0x1122334455667788)),
        ["CephXRequestHeader"] = w => RoundTrip(w, new CephXRequestHeader(CephxRequestType.GetPrincipalSessionKey)),
        ["CephXResponseHeader"] = w => RoundTrip(w, new CephXResponseHeader(CephxRequestType.GetRotatingKey, Errno.EPERM)),
        ["CephXTicketBlob"] = w => RoundTrip(w, Blob),
        ["CephXAuthenticate"] = w => RoundTrip(w, new CephXAuthenticate(1, 2, Blob, 0x35)),
        ["CephXChallengeBlob"] = w => RoundTrip(w, new CephXChallengeBlob(3, 4)),
        ["CephXServiceTicketRequest"] = w => RoundTrip(w, new CephXServiceTicketRequest(0x14)),
        ["AuthCapsInfo"] = w => RoundTrip(w, AuthCapsInfo.FromText("allow rwx pool=rbd")),
        ["AuthTicket"] = w => RoundTrip(w, Ticket),
        ["CephXServiceTicket"] = w => RoundTrip(w, new CephXServiceTicket(Key, new UTime(3600, 0))),
        ["CephXServiceTicketInfo"] = w => RoundTrip(w, new CephXServiceTicketInfo(Ticket, Key)),
        ["CephXAuthorizer"] = w => RoundTrip(w, new CephXAuthorizer(4242, (uint)EntityType.Osd, Blob, new byte[] { 1, 2, 3 })),
        ["CephXAuthorize"] = w => RoundTrip(w, new CephXAuthorize(5, true, 6)),
        ["CephXAuthorizeChallenge"] = w => RoundTrip(w, new CephXAuthorizeChallenge(77)),
        ["CephXAuthorizeReply v1"] = w => RoundTrip(w, new CephXAuthorizeReply(8, ReadOnlyMemory<byte>.Empty)),
        ["CephXAuthorizeReply v2"] = w => RoundTrip(w, new CephXAuthorizeReply(8, new byte[64])),
        ["ExpiringCryptoKey"] = w => RoundTrip(w, new ExpiringCryptoKey(Key, new UTime(99, 0))),
        ["RotatingSecrets"] = w => RoundTrip(w, new RotatingSecrets(
            [new(1, new ExpiringCryptoKey(Key, new UTime(1, 0))), new(2, new ExpiringCryptoKey(CryptoKey.Generate(default), new UTime(2, 0)))], 2)),
        ["CryptoKey.Empty"] = w => RoundTrip(w, new KeyBox(CryptoKey.Empty)),
    };

    [Theory]
    [MemberData(nameof(Structures))]
    public void A_structure_reencodes_to_the_same_bytes_after_decoding(string name)
    {
        using var w = new DencWriter();
        byte[] second = Samples()[name](w);
        Assert.Equal(w.ToArray(), second);
    }

    [Fact]
    public void A_GET_AUTH_SESSION_KEY_request_without_old_ticket_is_36_bytes_as_on_the_wire()
    {
        using var w = new DencWriter();
        new CephXRequestHeader(CephxRequestType.GetAuthSessionKey).Encode(w);
        new CephXAuthenticate(1, 2, CephXTicketBlob.Empty, 0x35).Encode(w);
        Assert.Equal(36, w.Length);
        Assert.Equal(new byte[] { 0x00, 0x01, 3 }, w.WrittenSpan[..3].ToArray());
        Assert.Equal(new byte[] { 0x35, 0, 0, 0 }, w.WrittenSpan[^4..].ToArray());
    }

    [Fact]
    public void The_server_challenge_is_nine_bytes_and_a_v1_authenticate_has_no_other_keys()
    {
        using var w = new DencWriter();
        new CephXServerChallenge(1).Encode(w);
        Assert.Equal(9, w.Length);

        byte[] v1 = [1, .. new byte[8], .. new byte[8], 1, .. new byte[8], 0, 0, 0, 0];
        var r = new DencReader(v1);
        CephXAuthenticate old = CephXAuthenticate.Decode(ref r);
        Assert.True(r.End);
        Assert.Equal(0u, old.OtherKeys);
        Assert.Equal(1, old.Version);
    }

    [Fact]
    public void An_AES_key_is_28_bytes_and_a_ticket_carries_the_default_auid()
    {
        using var w = new DencWriter();
        Key.Encode(w);
        Assert.Equal(CryptoKey.EncodedAesSize, w.Length);

        w.Reset();
        Ticket.Encode(w);
        // v(1) + type(4) + "admin"(4+5) + global_id(8) then auid.
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(w.WrittenSpan.Slice(22, 8)));
    }

    [Fact]
    public void Caps_text_is_read_back_from_the_encoded_string()
    {
        Assert.Equal("allow *", AuthCapsInfo.FromText("allow *").Text);
        Assert.Null(new AuthCapsInfo(false, new byte[] { 1, 2 }).Text);
    }

    [Fact]
    public void A_reply_list_whose_count_cannot_fit_is_refused()
    {
        byte[] hostile = [1, 0xFF, 0xFF, 0xFF, 0x0F, 0, 0];
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader(hostile);
            CephXServiceTicketReply.Read(ref r);
        });
    }

    [Fact]
    public void An_AES_key_of_the_wrong_length_is_refused_on_decode()
    {
        byte[] bytes = [1, 0, .. new byte[8], 4, 0, 1, 2, 3, 4];
        Assert.Throws<DecodeException>(() =>
        {
            var r = new DencReader(bytes);
            CryptoKey.Decode(ref r);
        });
    }

    private static byte[] RoundTrip<T>(DencWriter w, T value)
        where T : ICephxEncodable, ICephxDecodable<T>
    {
        value.Encode(w);
        var r = new DencReader(w.WrittenSpan);
        T decoded = T.Decode(ref r);
        Assert.True(r.End, $"{typeof(T).Name} left {r.Remaining} bytes");
        using var again = new DencWriter();
        decoded.Encode(again);
        return again.ToArray();
    }

    private readonly record struct KeyBox(CryptoKey Key) : ICephxEncodable, ICephxDecodable<KeyBox>
    {
        public void Encode(DencWriter writer) => Key.Encode(writer);

        public static KeyBox Decode(ref DencReader reader) => new(CryptoKey.Decode(ref reader));
    }
}
