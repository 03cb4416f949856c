using KestrelMessenger.Messages.Mon;

namespace KestrelMessenger.Mon;

/// <summary>
/// Ceph's <c>MonSub</c>: what we want the monitors to push. Wants not yet sent wait in "new"; a renewal
/// sends them and moves them to "sent"; a new session reloads everything sent back into "new" so it is
/// asked again. <see cref="Got"/> records what arrived: a one-time want is then done, a continuous one
/// resumes after the epoch we have. Not thread-safe: the <see cref="MonClient"/> holds its lock.
/// </summary>
internal sealed class MonSubscriptions
{
    /// <summary>CEPH_SUBSCRIBE_ONETIME.</summary>
    public const byte OneTime = 1;

    private readonly SortedDictionary<string, SubscribeItem> _new = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SubscribeItem> _sent = new(StringComparer.Ordinal);

    /// <summary>True when some want has not been sent on the current session.</summary>
    public bool HaveNew => _new.Count > 0;

    /// <summary>Everything wanted, sent or not (for inspection).</summary>
    public IReadOnlyDictionary<string, SubscribeItem> All
    {
        get
        {
            var all = new SortedDictionary<string, SubscribeItem>(_sent, StringComparer.Ordinal);
            foreach ((string what, SubscribeItem item) in _new)
            {
                all[what] = item;
            }

            return all;
        }
    }

    /// <summary>Ceph's <c>sub_want</c>: false when exactly this want is already pending or sent.</summary>
    public bool Want(string what, ulong start, byte flags)
    {
        var item = new SubscribeItem(start, flags);
        if ((_new.TryGetValue(what, out SubscribeItem n) && n == item) || (_sent.TryGetValue(what, out SubscribeItem s) && s == item))
        {
            return false;
        }

        _new[what] = item;
        return true;
    }

    /// <summary>Ceph's <c>sub_got</c>: we have <paramref name="have"/> of <paramref name="what"/>.</summary>
    public void Got(string what, ulong have)
    {
        SortedDictionary<string, SubscribeItem> where = _new.ContainsKey(what) ? _new : _sent;
        if (where.TryGetValue(what, out SubscribeItem item) && item.Start <= have)
        {
            if ((item.Flags & OneTime) != 0)
            {
                where.Remove(what);
            }
            else
            {
                where[what] = item with { Start = have + 1 };
            }
        }
    }

    /// <summary>Ceph's <c>sub_unwant</c>.</summary>
    public void Unwant(string what)
    {
        _new.Remove(what);
        _sent.Remove(what);
    }

    /// <summary>The wants to send now (Ceph's <c>get_subs</c>).</summary>
    public IReadOnlyDictionary<string, SubscribeItem> Pending => _new;

    /// <summary>The pending wants went out (Ceph's <c>renewed</c>): a newer want replaces what was sent.</summary>
    public void Renewed()
    {
        foreach ((string what, SubscribeItem item) in _new)
        {
            _sent[what] = item;
        }

        _new.Clear();
    }

    /// <summary>A new session (Ceph's <c>reload</c>): everything sent is wanted again; true if anything is.</summary>
    public bool Reload()
    {
        foreach ((string what, SubscribeItem item) in _sent)
        {
            _new.TryAdd(what, item);
        }

        return HaveNew;
    }
}
