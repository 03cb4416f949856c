using System.Buffers;
using System.Collections.Concurrent;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages;

/// <summary>
/// Maps message type numbers to the classes that decode them (Ceph's <c>decode_message</c>
/// switch, made open). Types with no entry arrive as raw <see cref="Message"/>s.
/// </summary>
public sealed class MessageRegistry
{
    private readonly ConcurrentDictionary<ushort, Func<Message>> _factories = new();

    /// <summary>A registry with the library's typed messages.</summary>
    public static MessageRegistry CreateDefault() => new MessageRegistry()
        .Register<MPing>(MessageTypes.Ping)
        .Register<MOSDPing>(MessageTypes.OsdPing)
        .Register<Mon.MMonGetMap>(MessageTypes.MonGetMap)
        .Register<Mon.MMonMap>(MessageTypes.MonMap)
        .Register<Mon.MMonSubscribe>(MessageTypes.MonSubscribe)
        .Register<Mon.MMonGetVersion>(MessageTypes.MonGetVersion)
        .Register<Mon.MMonGetVersionReply>(MessageTypes.MonGetVersionReply)
        .Register<Mon.MMonCommand>(MessageTypes.MonCommand)
        .Register<Mon.MMonCommandAck>(MessageTypes.MonCommandAck)
        .Register<Mon.MAuth>(MessageTypes.Auth)
        .Register<Mon.MAuthReply>(MessageTypes.AuthReply)
        .Register<MCommand>(MessageTypes.Command)
        .Register<MCommandReply>(MessageTypes.CommandReply)
        .Register<Osd.MOSDBoot>(MessageTypes.OsdBoot)
        .Register<Osd.MOSDBeacon>(MessageTypes.OsdBeacon)
        .Register<Osd.MOSDFailure>(MessageTypes.OsdFailure)
        .Register<Osd.MOSDOp>(MessageTypes.OsdOp)
        .Register<Osd.MOSDOpReply>(MessageTypes.OsdOpReply);

    /// <summary>Decodes <paramref name="type"/> with <typeparamref name="T"/>.</summary>
    public MessageRegistry Register<T>(ushort type) where T : Message, new() => Register(type, static () => new T());

    /// <summary>Decodes <paramref name="type"/> with what <paramref name="factory"/> creates.</summary>
    public MessageRegistry Register(ushort type, Func<Message> factory)
    {
        _factories[type] = factory;
        return this;
    }

    /// <summary>The types with a typed class.</summary>
    public IReadOnlyCollection<ushort> RegisteredTypes => [.. _factories.Keys];

    /// <summary>True when <paramref name="type"/> has a typed class.</summary>
    public bool IsRegistered(ushort type) => _factories.ContainsKey(type);

    /// <summary>
    /// Builds the message a MESSAGE frame carries: the typed class for its type (raw otherwise), header
    /// fields set, segments copied into pooled buffers, typed fields decoded. Throws
    /// <see cref="Wire.DecodeException"/> when the front does not decode.
    /// </summary>
    public Message Decode(in MessageHeader header, in ReadOnlySequence<byte> front, in ReadOnlySequence<byte> middle, in ReadOnlySequence<byte> data) =>
        Decode(header, MessageBuffer.CopyOf(front), MessageBuffer.CopyOf(middle), MessageBuffer.CopyOf(data));

    /// <summary>
    /// Builds the message a MESSAGE frame carries from segments already in buffers of their own, which the
    /// message takes over (disposed with it, or here when the front does not decode).
    /// </summary>
    public Message Decode(in MessageHeader header, MessageBuffer front, MessageBuffer middle, MessageBuffer data)
    {
        ArgumentNullException.ThrowIfNull(front);
        ArgumentNullException.ThrowIfNull(middle);
        ArgumentNullException.ThrowIfNull(data);
        Message message;
        try
        {
            message = Create(header.Type);
        }
        catch
        {
            // A registered factory that throws still leaves nothing rented behind.
            front.Dispose();
            middle.Dispose();
            data.Dispose();
            throw;
        }

        message.Version = header.Version;
        message.CompatVersion = header.CompatVersion;
        message.Priority = header.Priority;
        message.Tid = header.Tid;
        message.DataOffset = header.DataOffset;
        message.Seq = header.Seq;
        message.AckSeq = header.AckSeq;
        message.Front = front;
        message.Middle = middle;
        message.Data = data;
        try
        {
            message.DecodeFront();
            return message;
        }
        catch (Exception e)
        {
            message.Dispose();
            if (e is DecodeException)
            {
                throw;
            }

            // A typed decoder tripping over hostile bytes (an index, a cast, an overflow) is malformed
            // input like any other: the connection closes with the reason, the process goes on.
            throw new DecodeException($"{e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>An empty message to decode <paramref name="type"/> into.</summary>
    public Message Create(ushort type) => _factories.TryGetValue(type, out Func<Message>? factory) ? factory() : new Message(type);
}
