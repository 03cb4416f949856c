using KestrelMessenger.Messages;

namespace KestrelMessenger.Connections;

/// <summary>
/// Ceph's <c>DelayedDelivery</c> (<c>ms_inject_delay_*</c>): received messages from one session are held
/// back by a random delay each before they go to dispatch, in the order they arrived (a message waits
/// behind a delayed one). What it holds is bounded by the session's throttle, which each message keeps
/// until dispatch releases it. A fault delivers what it holds at once; a session reset drops it.
/// </summary>
internal sealed class DelayedDelivery
{
    private readonly MessengerConnection _session;
    private readonly IConnectionOwner _owner;
    private readonly double _probability;
    private readonly TimeSpan _max;
    private readonly Random _dice;
    private readonly object _lock = new();
    private readonly Queue<(long Due, Message Message)> _held = new();
    private readonly SemaphoreSlim _changed = new(0);
    private bool _running;

    public DelayedDelivery(MessengerConnection session, IConnectionOwner owner, (double Probability, TimeSpan Max, Random Dice) delay)
    {
        _session = session;
        _owner = owner;
        (_probability, _max, _dice) = delay;
    }

    /// <summary>Holds <paramref name="message"/> for its random delay (often none), behind those held before it.</summary>
    public void Queue(Message message)
    {
        lock (_lock)
        {
            TimeSpan delay = _dice.NextDouble() < _probability ? _max * _dice.NextDouble() : TimeSpan.Zero;
            _held.Enqueue((Environment.TickCount64 + (long)delay.TotalMilliseconds, message));
            if (!_running)
            {
                _running = true;
                _ = Task.Run(RunAsync);
            }
        }

        _changed.Release();
    }

    /// <summary>Delivers everything held now (the socket faulted: Ceph flushes rather than lose order or time).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            int n = _held.Count;
            for (int i = 0; i < n; i++)
            {
                (long _, Message m) = _held.Dequeue();
                _held.Enqueue((0, m));
            }
        }

        _changed.Release();
    }

    /// <summary>Drops everything held (the session was reset or closed).</summary>
    public void Discard()
    {
        lock (_lock)
        {
            while (_held.Count > 0)
            {
                _held.Dequeue().Message.Dispose();
            }
        }

        _changed.Release();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            Message? due = null;
            long wait;
            lock (_lock)
            {
                if (_held.Count == 0)
                {
                    _running = false;
                    return;
                }

                wait = _held.Peek().Due - Environment.TickCount64;
                if (wait <= 0)
                {
                    due = _held.Dequeue().Message;
                }
            }

            if (due is not null)
            {
                _owner.Deliver(_session, due);
                continue;
            }

            await _changed.WaitAsync(TimeSpan.FromMilliseconds(wait));
        }
    }
}
