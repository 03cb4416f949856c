using KestrelMessenger.Messages;

namespace KestrelMessenger.Dispatch;

/// <summary>
/// Ceph's <c>Dispatcher</c>: receives messages and connection events from a messenger.
/// Dispatchers form a chain (<c>add_dispatcher_head</c>/<c>tail</c>); the first to handle a
/// message ends its journey. Every hook but <see cref="DispatchAsync"/> has a default, so
/// implement only what you need. A message's buffers return to the pool when its dispatch
/// completes: copy what you keep.
/// </summary>
public interface IDispatcher
{
    /// <summary><c>ms_dispatch</c>: handle a message from the dispatch queue; true if handled.</summary>
    ValueTask<bool> DispatchAsync(Message message);

    /// <summary><c>ms_can_fast_dispatch</c>: true to take <paramref name="message"/> inline on its read loop instead.</summary>
    bool CanFastDispatch(Message message) => false;

    /// <summary><c>ms_fast_dispatch</c>: handle a message inline; must not block.</summary>
    void FastDispatch(Message message)
    {
    }

    /// <summary><c>ms_handle_connect</c>: an outbound connection reached READY.</summary>
    void HandleConnect(IConnection connection)
    {
    }

    /// <summary><c>ms_handle_accept</c>: an inbound connection reached READY.</summary>
    void HandleAccept(IConnection connection)
    {
    }

    /// <summary><c>ms_handle_reset</c>: a connection closed (lossy) or its session was reset; true if handled.</summary>
    bool HandleReset(IConnection connection) => false;

    /// <summary><c>ms_handle_remote_reset</c>: the peer reset the session.</summary>
    void HandleRemoteReset(IConnection connection)
    {
    }

    /// <summary><c>ms_handle_refused</c>: an outbound connection never got to READY; true if handled.</summary>
    bool HandleRefused(IConnection connection) => false;
}
