using System.Buffers;
using System.Buffers.Binary;

namespace KestrelMessenger.Protocol;

/// <summary>
/// The msgr2 banner both sides send first: <c>"ceph v2\n"</c>, le16 payload length, le64 supported and
/// le64 required msgr2 features (26 bytes today).
/// </summary>
public static class Banner
{
    /// <summary>The 8-byte prefix.</summary>
    public static ReadOnlySpan<byte> Prefix => "ceph v2\n"u8;

    /// <summary>The banner Pacific sends: prefix, payload length and two features.</summary>
    public const int Length = 26;

    private const int FixedLength = 10;
    private const int PayloadLength = 16;

    /// <summary>Writes our banner.</summary>
    public static void Write(IBufferWriter<byte> output, ulong supported, ulong required)
    {
        Span<byte> b = output.GetSpan(Length)[..Length];
        Prefix.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b[8..], PayloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(b[10..], supported);
        BinaryPrimitives.WriteUInt64LittleEndian(b[18..], required);
        output.Advance(Length);
    }

    /// <summary>
    /// Tries to read the peer's banner. Returns false when more bytes are needed. Throws
    /// <see cref="ProtocolException"/> with a specific reason when the peer is not speaking msgr2.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> input, out PeerBanner banner, out long consumed)
    {
        banner = default;
        consumed = 0;
        Span<byte> head = stackalloc byte[FixedLength];
        int available = (int)Math.Min(input.Length, FixedLength);
        input.Slice(0, available).CopyTo(head);

        // Recognise what we can from the first bytes, so a wrong peer is named rather than timed out.
        ReadOnlySpan<byte> seen = head[..available];
        int compare = Math.Min(available, Prefix.Length);
        if (!seen[..compare].SequenceEqual(Prefix[..compare]))
        {
            throw new ProtocolException(Describe(seen), FailureKind.NotMsgr2);
        }

        if (available < FixedLength)
        {
            return false;
        }

        ushort payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(head[8..]);
        if (payloadLength < PayloadLength)
        {
            throw new ProtocolException($"banner payload of {payloadLength} bytes is shorter than the {PayloadLength} that carry the features");
        }

        if (input.Length < FixedLength + payloadLength)
        {
            return false;
        }

        Span<byte> features = stackalloc byte[PayloadLength];
        input.Slice(FixedLength, PayloadLength).CopyTo(features);

        // A longer payload is legal: newer peers may append fields we ignore.
        banner = new PeerBanner(BinaryPrimitives.ReadUInt64LittleEndian(features), BinaryPrimitives.ReadUInt64LittleEndian(features[8..]));
        consumed = FixedLength + payloadLength;
        return true;
    }

    private static string Describe(ReadOnlySpan<byte> seen)
    {
        if (seen.StartsWith("ceph v0"u8))
        {
            return "peer speaks msgr1 (banner \"ceph v027\"); only msgr2 is supported";
        }

        if (seen.StartsWith("GET "u8) || seen.StartsWith("POST"u8) || seen.StartsWith("HEAD"u8) || seen.StartsWith("PUT "u8) || seen.StartsWith("HTTP"u8))
        {
            return "peer speaks HTTP, not Ceph msgr2";
        }

        if (seen.StartsWith("<!DOC"u8) || seen.StartsWith("<!doc"u8) || seen.StartsWith("<html"u8) || seen.StartsWith("<HTML"u8))
        {
            // An HTTP/0.9-style error page: what python's http.server answers a request line it cannot parse.
            return "peer speaks HTTP, not Ceph msgr2 (it answered with an HTML page)";
        }

        if (seen.Length > 0 && seen[0] == 0x16)
        {
            return "peer started a TLS handshake, not Ceph msgr2";
        }

        return $"peer is not speaking Ceph msgr2 (banner starts {Convert.ToHexString(seen)})";
    }
}

/// <summary>What the peer's banner says.</summary>
/// <param name="Supported">Its supported msgr2 features.</param>
/// <param name="Required">Its required msgr2 features.</param>
public readonly record struct PeerBanner(ulong Supported, ulong Required);
