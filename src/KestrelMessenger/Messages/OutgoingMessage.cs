using System.Buffers;

namespace KestrelMessenger.Messages;

/// <summary>
/// A message's frame contents as the writer takes them: the header fields and the three segments. For a
/// lossy session they are borrowed from the message for one write; a lossless one holds them in an
/// <see cref="OutgoingMessage"/>.
/// </summary>
internal readonly record struct WireMessage(
    ushort Type, ushort Version, ushort CompatVersion, ushort Priority, ulong Tid, ushort DataOffset,
    ReadOnlySequence<byte> Front, ReadOnlySequence<byte> Middle, MessageBuffer Data)
{
    public override string ToString() =>
        $"{MessageTypes.Name(Type)}({Type}) v{Version} tid {Tid} prio {Priority} front {Front.Length} middle {Middle.Length} data {Data.Length}";
}

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

    /// <summary>What the writer writes.</summary>
    public WireMessage Wire => new(Type, Version, CompatVersion, Priority, Tid, DataOffset, Front.Sequence, Middle.Sequence, Data);

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
