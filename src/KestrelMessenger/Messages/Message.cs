using System.Buffers;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages;

/// <summary>
/// A Ceph message: header fields plus front, middle and data segments in pooled buffers. Used as
/// is, it is a raw message (unknown types arrive this way, never dropped). Typed messages derive
/// from it and override <see cref="EncodePayload"/> / <see cref="DecodePayload"/>, as Ceph's
/// <c>encode_payload</c> / <c>decode_payload</c>.
/// </summary>
public class Message : IDisposable
{
    /// <summary>Creates a message of <paramref name="type"/> at encoding <paramref name="version"/>.</summary>
    public Message(ushort type, ushort version = 1, ushort compatVersion = 1)
    {
        Type = type;
        Version = version;
        CompatVersion = compatVersion;
    }

    /// <summary>Message type.</summary>
    public ushort Type { get; }

    /// <summary>Payload encoding version (HEAD_VERSION when sending; the sender's when received).</summary>
    public ushort Version { get; set; }

    /// <summary>Oldest version that can decode the payload.</summary>
    public ushort CompatVersion { get; set; }

    /// <summary>Queueing priority on both ends.</summary>
    public ushort Priority { get; set; } = MessagePriority.Default;

    /// <summary>Transaction id.</summary>
    public ulong Tid { get; set; }

    /// <summary>Alignment hint for the data segment.</summary>
    public ushort DataOffset { get; set; }

    /// <summary>Sequence number on its connection (assigned when written; set when received).</summary>
    public ulong Seq { get; internal set; }

    /// <summary>The sender's in_seq when it sent this (received messages only).</summary>
    public ulong AckSeq { get; internal set; }

    /// <summary>The peer this came from (received messages only).</summary>
    public EntityName Source { get; internal set; }

    /// <summary>The connection this came from, for replies (received messages only).</summary>
    public IConnection? Connection { get; internal set; }

    /// <summary>Front segment: the encoded payload.</summary>
    public MessageBuffer Front { get; set; } = MessageBuffer.Empty;

    /// <summary>Middle segment (rarely used).</summary>
    public MessageBuffer Middle { get; set; } = MessageBuffer.Empty;

    /// <summary>Data segment: bulk bytes such as object data.</summary>
    public MessageBuffer Data { get; set; } = MessageBuffer.Empty;

    /// <summary>True for typed messages that encode their own front.</summary>
    protected virtual bool EncodesPayload => false;

    /// <summary>
    /// Encodes the typed fields into the front segment. It must not change the message: encoding twice
    /// gives the same bytes (the data segment comes from <see cref="EncodeData"/>).
    /// </summary>
    /// <param name="front">Where the front goes.</param>
    /// <param name="features">Features of the connection it is sent on.</param>
    protected virtual void EncodePayload(DencWriter front, ulong features)
    {
    }

    /// <summary>
    /// The data segment to send: by default a shared reference to <see cref="Data"/>. Typed messages whose
    /// fields carry the data (an op's in-data) gather it here, without changing the message.
    /// </summary>
    protected virtual MessageBuffer EncodeData() => Data.Share();

    /// <summary>The header version and compat version the encoding is at (typed messages that write one layout say which).</summary>
    protected virtual (ushort Version, ushort CompatVersion) EncodingVersion => (Version, CompatVersion);

    /// <summary>Decodes the typed fields from the front segment (and <see cref="Data"/>).</summary>
    protected virtual void DecodePayload(ref DencReader front)
    {
    }

    /// <summary>
    /// The message as it goes on the wire: the front (freshly encoded for typed messages, shared
    /// otherwise), middle and data as references of their own, and the header fields. The message is
    /// not changed, so the result can outlive it (kept for replay until the peer acknowledges it).
    /// </summary>
    internal OutgoingMessage Encode(DencWriter scratch, ulong features)
    {
        MessageBuffer front = EncodesPayload ? MessageBuffer.CopyOf(EncodeFront(scratch, features).Span) : Front.Share();
        MessageBuffer data = EncodesPayload ? EncodeData() : Data.Share();
        (ushort version, ushort compat) = EncodingVersion;
        return new OutgoingMessage(Type, version, compat, Priority, Tid, DataOffset, front, Middle.Share(), data);
    }

    /// <summary>
    /// The message as it goes on the wire, borrowed for one write (a lossy session's: nothing kept): the front
    /// as encoded into <paramref name="scratch"/> (typed) or as set, the segments as they are. A typed
    /// message's gathered data may be a buffer of its own, handed out in <paramref name="gathered"/> to
    /// dispose after the write.
    /// </summary>
    internal WireMessage Borrow(DencWriter scratch, ulong features, out MessageBuffer? gathered)
    {
        gathered = null;
        if (!EncodesPayload)
        {
            return new WireMessage(Type, Version, CompatVersion, Priority, Tid, DataOffset, Front.Sequence, Middle.Sequence, Data);
        }

        var front = new ReadOnlySequence<byte>(EncodeFront(scratch, features));
        gathered = EncodeData();
        (ushort version, ushort compat) = EncodingVersion;
        return new WireMessage(Type, version, compat, Priority, Tid, DataOffset, front, Middle.Sequence, gathered);
    }

    /// <summary>The front alone, as <see cref="Encode"/> makes it (for typed messages, valid until <paramref name="scratch"/> is reused).</summary>
    internal ReadOnlyMemory<byte> EncodeFront(DencWriter scratch, ulong features)
    {
        if (!EncodesPayload)
        {
            return Front.Memory;
        }

        scratch.Reset();
        EncodePayload(scratch, features);
        return scratch.WrittenMemory;
    }

    /// <summary>Decodes typed fields after the segments were received.</summary>
    internal void DecodeFront()
    {
        if (EncodesPayload)
        {
            var reader = new DencReader(Front.Span);
            DecodePayload(ref reader);
        }
    }

    /// <summary>The receiving connection's throttle, released when the last reference to this message goes.</summary>
    private Connections.ConnectionThrottle? _throttle;
    private long _throttleBytes;
    private int _references = 1;
    private int _disposed;

    /// <summary>Counts this received message against <paramref name="throttle"/> until it is released.</summary>
    internal void HoldThrottle(Connections.ConnectionThrottle throttle, long bytes)
    {
        _throttleBytes = bytes;
        throttle.Acquire(bytes);
        Volatile.Write(ref _throttle, throttle);
    }

    /// <summary>
    /// Keeps this message (its segments, and for a received one its room in the connection's throttle)
    /// alive beyond its owner's <see cref="Dispose"/>, as Ceph's <c>Message::get</c>: a dispatcher that
    /// keeps a message it received takes a reference and disposes that when done.
    /// </summary>
    public IDisposable Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new ObjectDisposedException(ToString(), "retained a message that was already released");
        }

        return new Reference(this);
    }

    /// <summary>The owner is done with the message: its segments go back to the pool once no <see cref="Retain"/> reference is left.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }

        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _throttle, null)?.Release(_throttleBytes);
        Front.Dispose();
        Middle.Dispose();
        Data.Dispose();
        ReleaseBuffers();
    }

    /// <summary>Releases buffer references a typed message holds beyond its segments (once, with the last reference to the message).</summary>
    protected virtual void ReleaseBuffers()
    {
    }

    private sealed class Reference(Message message) : IDisposable
    {
        private Message? _message = message;

        public void Dispose() => Interlocked.Exchange(ref _message, null)?.Release();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{MessageTypes.Name(Type)}({Type}) v{Version} seq {Seq} tid {Tid} prio {Priority} front {Front.Length} middle {Middle.Length} data {Data.Length}";
}
