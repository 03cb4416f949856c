namespace KestrelMessenger.Messages;

/// <summary>
/// A message as encoded for the wire: header fields and the three segments, each a reference of its own.
/// A lossless session keeps it, under the seq it was first sent with, until the peer acknowledges that
/// seq, and a replay writes exactly these bytes again. Lossy sessions release it once written.
/// </summary>
internal sealed class OutgoingMessage(
    ushort type, ushort version, ushort compatVersion, ushort priority, ulong tid, ushort dataOffset,
    MessageBuffer front, MessageBuffer middle, MessageBuffer data) : IDisposable
{
    public ushort Type { get; } = type;

    public ushort Version { get; } = version;

    public ushort CompatVersion { get; } = compatVersion;

    public ushort Priority { get; } = priority;

    public ulong Tid { get; } = tid;

    public ushort DataOffset { get; } = dataOffset;

    public MessageBuffer Front { get; } = front;

    public MessageBuffer Middle { get; } = middle;

    public MessageBuffer Data { get; } = data;

    /// <summary>The session seq it was sent under (0 until first written).</summary>
    public ulong Seq { get; set; }

    /// <summary>Bytes it holds: its segments.</summary>
    public long Length => (long)Front.Length + Middle.Length + Data.Length;

    public void Dispose()
    {
        Front.Dispose();
        Middle.Dispose();
        Data.Dispose();
    }

    public override string ToString() =>
        $"{MessageTypes.Name(Type)}({Type}) v{Version} seq {Seq} tid {Tid} prio {Priority} front {Front.Length} middle {Middle.Length} data {Data.Length}";
}
