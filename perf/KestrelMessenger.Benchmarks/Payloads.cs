namespace KestrelMessenger.Benchmarks;

/// <summary>Deterministic pseudo-random payloads, so every run hashes and copies the same bytes.</summary>
internal static class Payloads
{
    public static byte[] Create(int size)
    {
        byte[] payload = new byte[size];
        new Random(size).NextBytes(payload);
        return payload;
    }

    /// <summary>The 41-byte ceph_msg_header2 every frame benchmark sends (seq 1, a raw type 0x7000).</summary>
    public static byte[] Header()
    {
        byte[] header = new byte[Messages.MessageHeader.Length];
        new Messages.MessageHeader { Seq = 1, Tid = 1, Type = 0x7000, Priority = Messages.MessagePriority.Default, Version = 1, CompatVersion = 1, Flags = Messages.MessageHeader.DefaultFlags }
            .Write(header);
        return header;
    }
}
