using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>The dispatcher and subscription half of the MonClient (Ceph's <c>ms_dispatch</c>, <c>sub_want</c>, <c>sub_got</c>).</summary>
public sealed partial class MonClient
{
    /// <summary>The message type each subscription name is answered with.</summary>
    private static readonly Dictionary<string, ushort> KnownMaps = new(StringComparer.Ordinal)
    {
        ["monmap"] = MessageTypes.MonMap,
        ["osdmap"] = MessageTypes.OsdMap,
        ["config"] = MessageTypes.Config,
        ["mgrmap"] = MessageTypes.MgrMap,
        ["mgrdigest"] = 0x705, // MSG_MGR_DIGEST
        ["servicemap"] = 0x707, // MSG_SERVICE_MAP
        ["mdsmap"] = 21, // CEPH_MSG_MDS_MAP
        ["fsmap"] = 45, // CEPH_MSG_FS_MAP
        ["fsmap.user"] = 103, // CEPH_MSG_FS_MAP_USER
    };

    /// <summary>
    /// Subscribes to <paramref name="what"/> ("monmap", "osdmap", "config", "mgrmap", "mdsmap", "fsmap",
    /// "servicemap" …) and hands each such message from the monitor session to <paramref name="onMessage"/>:
    /// raw (<see cref="Message"/>, typed where the library decodes the type, e.g. <see cref="MMonMap"/>),
    /// on the messenger's dispatch loop, valid only during the call (its buffers return to the pool after:
    /// copy what you keep). Continuous subscriptions resume on a new session after the epoch passed to
    /// <see cref="SubGot"/> (the monmap's is tracked by the client); a one-time one ends with its first
    /// message. Disposing the result removes the handler, and the subscription with the last one.
    /// </summary>
    /// <param name="what">The subscription name.</param>
    /// <param name="onMessage">The handler; it must be quick and must not throw.</param>
    /// <param name="start">The first epoch wanted (0: the current one).</param>
    /// <param name="onetime">CEPH_SUBSCRIBE_ONETIME: one map, then the subscription ends.</param>
    /// <param name="messageType">The message type that answers <paramref name="what"/>, for names this client does not know.</param>
    public IDisposable Subscribe(string what, Action<Message> onMessage, ulong start = 0, bool onetime = false, ushort? messageType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(what);
        ArgumentNullException.ThrowIfNull(onMessage);
        ushort type = messageType ?? (KnownMaps.TryGetValue(what, out ushort known) ? known
            : throw new ArgumentException($"no known message type answers subscription '{what}': pass messageType", nameof(what)));
        lock (_lock)
        {
            _subscribedTypes[type] = what;
            if (!_handlers.TryGetValue(what, out List<Action<Message>>? list))
            {
                _handlers[what] = list = [];
            }

            list.Add(onMessage);
        }

        if (what != "monmap" || start != 0 || onetime)
        {
            SubWant(what, start, onetime);
        }

        return new Unsubscriber(this, what, onMessage);
    }

    /// <summary>Ceph's <c>sub_want</c> and <c>renew_subs</c>: asks the monitors to push <paramref name="what"/> from <paramref name="start"/>.</summary>
    public void SubWant(string what, ulong start = 0, bool onetime = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(what);
        lock (_lock)
        {
            if (_subs.Want(what, start, onetime ? MonSubscriptions.OneTime : (byte)0) && _session is IConnection session)
            {
                RenewSubs(session);
            }
        }
    }

    /// <summary>Ceph's <c>sub_got</c>: we have epoch <paramref name="have"/> of <paramref name="what"/> (a new session resumes after it).</summary>
    public void SubGot(string what, ulong have)
    {
        lock (_lock)
        {
            _subs.Got(what, have);
        }
    }

    /// <summary>Ceph's <c>sub_unwant</c>: not asked for again on the next session.</summary>
    public void SubUnwant(string what)
    {
        lock (_lock)
        {
            _subs.Unwant(what);
        }
    }

    /// <summary>The subscriptions as they stand (name → start epoch, flags), for diagnostics.</summary>
    public IReadOnlyDictionary<string, SubscribeItem> Subscriptions
    {
        get
        {
            lock (_lock)
            {
                return _subs.All;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message.Source.Type != EntityType.Mon)
        {
            return ValueTask.FromResult(false);
        }

        string? what;
        IConnection? session;
        lock (_lock)
        {
            session = _session;
            what = _subscribedTypes.GetValueOrDefault(message.Type);
        }

        if (message is MAuthReply && Keeper is CephxKeeper keeper)
        {
            return ReferenceEquals(message.Connection, session) ? keeper.DispatchAsync(message) : ValueTask.FromResult(true);
        }

        bool ours = message is MMonMap or MMonGetVersionReply or MMonCommandAck
            || message.Type is MessageTypes.MonSubscribeAck or MessageTypes.Config || what is not null;
        if (!ours)
        {
            return ValueTask.FromResult(false);
        }

        if (session is null || !ReferenceEquals(message.Connection, session))
        {
            return ValueTask.FromResult(true); // a stray monitor's (a hunt loser, an old session): ignored, as Ceph does
        }

        switch (message)
        {
            case MMonMap map:
                HandleMonMap(map);
                break;
            case MMonGetVersionReply reply:
                HandleVersionReply(reply);
                break;
            case MMonCommandAck ack:
                HandleCommandAck(ack);
                break;
        }

        if (what is not null)
        {
            Deliver(what, message);
        }

        return ValueTask.FromResult(true);
    }

    private void Deliver(string what, Message message)
    {
        Action<Message>[] handlers;
        lock (_lock)
        {
            handlers = _handlers.TryGetValue(what, out List<Action<Message>>? list) ? [.. list] : [];
            if (_subs.All.TryGetValue(what, out SubscribeItem item) && (item.Flags & MonSubscriptions.OneTime) != 0)
            {
                _subs.Got(what, Math.Max(item.Start, 1));
            }
        }

        foreach (Action<Message> handler in handlers)
        {
            try
            {
                handler(message);
            }
            catch (Exception e)
            {
                Log.HandlerFailed(_logger, e, what);
            }
        }
    }

    private void RemoveHandler(string what, Action<Message> handler)
    {
        lock (_lock)
        {
            if (_handlers.TryGetValue(what, out List<Action<Message>>? list) && list.Remove(handler) && list.Count == 0)
            {
                _handlers.Remove(what);
                foreach (ushort type in _subscribedTypes.Where(p => p.Value == what).Select(p => p.Key).ToArray())
                {
                    _subscribedTypes.Remove(type);
                }

                if (what != "monmap")
                {
                    _subs.Unwant(what);
                }
            }
        }
    }

    private sealed class Unsubscriber(MonClient client, string what, Action<Message> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                client.RemoveHandler(what, handler);
            }
        }
    }
}
