using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol;

namespace KestrelMessenger.Transport.Capture;

/// <summary>
/// The raw bytes of one connection, as they crossed the wire in each direction (banner and frames),
/// capped at <see cref="MaxBytes"/> per direction so a long session cannot grow without bound.
/// </summary>
public sealed class ConnectionCapture(EndPoint? local, EndPoint? remote, int maxBytes)
{
    private readonly ArrayBufferWriter<byte> _sent = new();
    private readonly ArrayBufferWriter<byte> _received = new();

    /// <summary>Our end.</summary>
    public EndPoint? Local { get; } = local;

    /// <summary>The peer's end.</summary>
    public EndPoint? Remote { get; } = remote;

    /// <summary>Per-direction cap.</summary>
    public int MaxBytes { get; } = maxBytes;

    /// <summary>Bytes we sent.</summary>
    public ReadOnlyMemory<byte> Sent => _sent.WrittenMemory;

    /// <summary>Bytes we received.</summary>
    public ReadOnlyMemory<byte> Received => _received.WrittenMemory;

    /// <summary>True when either direction hit the cap.</summary>
    public bool Truncated { get; private set; }

    internal void RecordSent(ReadOnlySpan<byte> bytes) => Record(_sent, bytes);

    internal void RecordReceived(in ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> part in bytes)
        {
            Record(_received, part.Span);
        }
    }

    /// <summary>
    /// The capture in the golden-frame text format: a banner block then one block per frame,
    /// "### DIRECTION TAG (N bytes on the wire)" followed by hex.
    /// </summary>
    public string ToGoldenText(string us, string peer)
    {
        var text = new StringBuilder();
        Append(text, $"{us} -> {peer}", _sent.WrittenMemory);
        Append(text, $"{peer} -> {us}", _received.WrittenMemory);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string direction, ReadOnlyMemory<byte> stream)
    {
        if (stream.Length < Banner.Length)
        {
            return;
        }

        AppendBlock(text, $"{direction} banner", stream.Span[..Banner.Length]);
        var rest = new ReadOnlySequence<byte>(stream[Banner.Length..]);
        int index = 0;
        while (FrameDecoder.TryDecode(rest, FrameLimits.Default, out Frame frame, out long length))
        {
            string what = frame.Tag == Tag.Message && frame.Segment0.Length >= 18
                ? $"MESSAGE type {BitConverter.ToUInt16(frame.Segment0.Slice(16, 2).ToArray())}"
                : frame.Tag.ToString();
            AppendBlock(text, $"{direction} #{++index} {what}", rest.Slice(0, length).ToArray());
            rest = rest.Slice(length);
        }
    }

    private static void AppendBlock(StringBuilder text, string title, ReadOnlySpan<byte> bytes)
    {
        text.Append(CultureInfo.InvariantCulture, $"### {title}  ({bytes.Length} bytes on the wire)\n");
        string hex = Convert.ToHexString(bytes).ToLowerInvariant();
        for (int i = 0; i < hex.Length; i += 128)
        {
            text.Append(hex.AsSpan(i, Math.Min(128, hex.Length - i))).Append('\n');
        }

        text.Append('\n');
    }

    private void Record(ArrayBufferWriter<byte> into, ReadOnlySpan<byte> bytes)
    {
        lock (into)
        {
            int room = MaxBytes - into.WrittenCount;
            if (bytes.Length > room)
            {
                Truncated = true;
                bytes = bytes[..Math.Max(room, 0)];
            }

            into.Write(bytes);
        }
    }
}
