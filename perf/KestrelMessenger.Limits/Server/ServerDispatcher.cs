using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.Limits.Server;

/// <summary>
/// The messenger server's side of every case, inline on the connection's read loop (fast dispatch, as
/// the load tool's default): a request is answered with its own data, a bulk message with an empty ack,
/// a stats query with a <see cref="ServerSnapshot"/>.
/// </summary>
internal sealed class ServerDispatcher(ServerCounters counters) : IDispatcher
{
    public bool CanFastDispatch(Message message) => IsOurs(message);

    public void FastDispatch(Message message) => Handle(message);

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (!IsOurs(message))
        {
            return ValueTask.FromResult(false);
        }

        Handle(message);
        return ValueTask.FromResult(true);
    }

    private static bool IsOurs(Message message) =>
        message.Type is LimitsMessages.Request or LimitsMessages.Bulk or LimitsMessages.StatsQuery;

    private void Handle(Message message)
    {
        IConnection connection = message.Connection!;
        switch (message.Type)
        {
            case LimitsMessages.Request:
                counters.Count(message.Data.Length);
                // Share, not copy: the request's pooled buffer stays alive for the reply after dispatch
                // returns (segments never change once made), as an OSD answering a read from cache would.
                connection.SendMessage(new Message(LimitsMessages.Reply) { Tid = message.Tid, Data = message.Data.Share() });
                break;
            case LimitsMessages.Bulk:
                counters.Count(message.Data.Length);
                connection.SendMessage(new Message(LimitsMessages.Ack) { Tid = message.Tid });
                break;
            default:
                Protocol.HandshakeResult? handshake = connection.Handshake;
                byte[] snapshot = new byte[ServerSnapshot.Size];
                counters.Snapshot(handshake?.Mode ?? default, handshake?.Auth.Method ?? 0).Write(snapshot);
                connection.SendMessage(new Message(LimitsMessages.StatsReply) { Tid = message.Tid, Front = MessageBuffer.CopyOf(snapshot) });
                break;
        }
    }
}
