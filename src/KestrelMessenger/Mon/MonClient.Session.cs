using KestrelMessenger.Messages;
using KestrelMessenger.Messages.Mon;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>The session half of the MonClient: hunt, keep the session alive, hunt again (Ceph's <c>_reopen_session</c> and <c>tick</c>).</summary>
public sealed partial class MonClient
{
    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                IConnection session = await HuntAsync(ct);
                string reason = await KeepAsync(session, ct);
                session.MarkDown();
                SessionLost(reason);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break; // the messenger shut down under us
            }
            catch (Exception e)
            {
                // Never the end of the loop: hunt again after one interval.
                Log.LoopFailed(_logger, e);
                SessionLost(e.Message);
                await Task.Delay(_options.HuntInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        IConnection? last;
        lock (_lock)
        {
            last = _session;
            _session = null;
            _sessionReady = false;
        }

        last?.MarkDown();
    }

    /// <summary>
    /// Hunts until a monitor answers: each attempt dials up to <c>mon_client_hunt_parallel</c> monitors not
    /// yet tried (in random order, as Ceph's <c>_add_conns</c>), keeps the first whose KEEPALIVE2 is
    /// acknowledged and marks the others down; an attempt lasts the hunt interval times the backoff.
    /// </summary>
    private async Task<IConnection> HuntAsync(CancellationToken ct)
    {
        DateTime started = DateTime.UtcNow;
        lock (_lock)
        {
            _huntAttempts = 0;
        }

        for (int attempt = 1; ; attempt++)
        {
            TimeSpan window = _options.HuntInterval * _backoff.StartAttempt();
            DateTime attemptEnd = DateTime.UtcNow + window;
            IConnection[] dialled = [.. Candidates().Select(m => _messenger!.ConnectTo(EntityType.Mon, m))];
            IConnection? won = await FirstReadyAsync(dialled, attemptEnd, ct);
            IConnection[] lost = [.. dialled.Where(c => !ReferenceEquals(c, won))];
            foreach (IConnection other in lost)
            {
                other.MarkDown();
            }

            string reasons = string.Join("; ", lost.Select(c => $"{c.PeerAddrs}: {c.CloseReason ?? $"no answer within {window.TotalSeconds:0.#} s"}"));
            lock (_lock)
            {
                _huntAttempts = attempt;
                if (won is null)
                {
                    _huntReasons = reasons;
                }
            }

            if (won is not null)
            {
                _backoff.Found();
                SessionFound(won, attempt, DateTime.UtcNow - started);
                return won;
            }

            // Before any session a refusal is the cluster's answer, not an outage: every monitor we
            // reached said no to our auth (AUTH_BAD_METHOD). Waiters hear it; the hunt goes on.
            if (!_hadSession && dialled.All(c => c.Failure?.Kind == FailureKind.AuthRefused)
                && _authRefused.TrySetResult($"the monitors refused our authentication ({reasons})"))
            {
                Log.AuthRefused(_logger, reasons);
            }

            TimeSpan rest = attemptEnd - DateTime.UtcNow;
            Log.AttemptFailed(_logger, attempt, reasons, Math.Max(0, rest.TotalSeconds));
            if (attempt == 1)
            {
                Log.StillHunting(_logger, reasons);
            }

            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, ct);
            }
        }
    }

    /// <summary>The next batch to dial: untried monitors in random order (all tried: start over).</summary>
    private EntityAddrVec[] Candidates()
    {
        lock (_lock)
        {
            int count = _monitors.Count;
            int[] untried = [.. Enumerable.Range(0, count).Where(i => !_tried.Contains(i))];
            if (untried.Length == 0)
            {
                _tried.Clear();
                untried = [.. Enumerable.Range(0, count)];
            }

            Random.Shared.Shuffle(untried);
            int n = _options.HuntParallel == 0 ? untried.Length : Math.Min(_options.HuntParallel, untried.Length);
            _tried.UnionWith(untried.Take(n));
            return [.. untried.Take(n).Select(i => _monitors[i])];
        }
    }

    /// <summary>The first connection whose KEEPALIVE2 is acknowledged before <paramref name="until"/>, or null.</summary>
    private static async Task<IConnection?> FirstReadyAsync(IConnection[] dialled, DateTime until, CancellationToken ct)
    {
        var pending = dialled.ToDictionary(c => (Task)c.PingAsync(ct), c => c);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        TimeSpan left = until - DateTime.UtcNow;
        window.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        Task expired = Task.Delay(Timeout.Infinite, window.Token);
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny([.. pending.Keys, expired]);
            if (done == expired)
            {
                ct.ThrowIfCancellationRequested();
                return null;
            }

            IConnection connection = pending[done];
            pending.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                return connection;
            }
        }

        return null;
    }

    /// <summary>
    /// Ceph's <c>tick</c> on a live session, every <c>mon_client_ping_interval</c>: a keepalive, and the
    /// session dropped when none was answered within <c>mon_client_ping_timeout</c>. Returns why the
    /// session ended (closed, silent, or the monmap no longer lists its monitor).
    /// </summary>
    private async Task<string> KeepAsync(IConnection session, CancellationToken ct)
    {
        long lastAck = DateTime.UtcNow.Ticks;
        Task<string> reopen;
        lock (_lock)
        {
            reopen = _reopen.Task;
        }

        while (true)
        {
            Task tick = Task.Delay(_options.PingInterval, ct);
            Task first = await Task.WhenAny(tick, session.Closed, reopen);
            ct.ThrowIfCancellationRequested();
            if (session.IsClosed)
            {
                return session.CloseReason ?? "closed";
            }

            if (first == reopen)
            {
                return await reopen;
            }

            // Ceph's tick renews auth tickets and rotating secrets here (_check_auth_tickets, _check_auth_rotating).
            Keeper?.Tick();
            TimeSpan silent = DateTime.UtcNow - new DateTime(Interlocked.Read(ref lastAck), DateTimeKind.Utc);
            if (_options.PingTimeout > TimeSpan.Zero && silent > _options.PingTimeout)
            {
                return $"no keepalive answer for {silent.TotalSeconds:0} s (mon_client_ping_timeout {_options.PingTimeout.TotalSeconds:0} s)";
            }

            _ = session.PingAsync(CancellationToken.None).ContinueWith(
                t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        Interlocked.Exchange(ref lastAck, DateTime.UtcNow.Ticks);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _backoff.Relax();
        }
    }

    /// <summary>Ceph's <c>_finish_hunting</c>: the session is ours; subscriptions go out, and the rest once the monmap is known.</summary>
    private void SessionFound(IConnection session, int attempts, TimeSpan elapsed)
    {
        ulong globalId = session.Handshake?.GlobalId ?? 0;
        ulong previous = Interlocked.Exchange(ref _globalId, globalId);
        if (previous != 0 && previous != globalId)
        {
            Log.GlobalIdChanged(_logger, previous, globalId);
        }

        // A client takes its number from the monitor's global id, as librados does after connecting.
        Messenger messenger = _messenger!;
        if (messenger.MyName.Type == EntityType.Client && messenger.MyName.Num == EntityName.New && globalId != 0)
        {
            messenger.MyName = EntityName.Client((long)globalId);
        }

        Log.SessionFound(_logger, session.PeerAddrs.ToString(), attempts, elapsed.TotalSeconds, globalId);
        bool established;
        lock (_lock)
        {
            _hadSession = true;
            _session = session;
            _sessionReady = false;
            _reopen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _subs.Reload();
            RenewSubs(session);
            established = _monmap is not null && Establish(session);
        }

        if (established)
        {
            RaiseEstablished(session);
        }
    }

    /// <summary>
    /// The session is usable (the monmap, hence the fsid, is known): flush what waited for it and resend
    /// every pending request (Ceph's <c>_resend_mon_commands</c>). Under the lock; true once per session.
    /// </summary>
    private bool Establish(IConnection session)
    {
        if (_sessionReady || !ReferenceEquals(session, _session))
        {
            return false;
        }

        _sessionReady = true;
        foreach (Message m in _waitingForSession)
        {
            session.SendMessage(m);
        }

        _waitingForSession.Clear();
        Guid fsid = _monmap!.Fsid;
        foreach (MonOp op in _ops.Values)
        {
            session.SendMessage(op.Build(fsid));
        }

        _ready.TrySetResult();
        return true;
    }

    /// <summary>Ceph's <c>ms_handle_reset</c> on the current session / <c>_reopen_session</c>: back to hunting.</summary>
    private void SessionLost(string reason)
    {
        lock (_lock)
        {
            if (_session is null)
            {
                return;
            }

            _session = null;
            _sessionReady = false;
            if (_ready.Task.IsCompleted)
            {
                _ready = NewSignal();
            }

            DropWaiting();
        }

        if (!_stopping.IsCancellationRequested)
        {
            Log.SessionLost(_logger, reason);
        }
    }

    private void RaiseEstablished(IConnection session)
    {
        Keeper?.OnSession(session);
        try
        {
            SessionEstablished?.Invoke(session);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, e, "SessionEstablished");
        }
    }

    /// <summary>Ceph's <c>_renew_subs</c>: the wants not yet sent on this session, in one MMonSubscribe. Under the lock.</summary>
    private void RenewSubs(IConnection session)
    {
        if (!_subs.HaveNew)
        {
            return;
        }

        var subscribe = new MMonSubscribe { Hostname = _options.Hostname };
        foreach ((string what, SubscribeItem item) in _subs.Pending)
        {
            subscribe.What[what] = item;
        }

        session.SendMessage(subscribe);
        _subs.Renewed();
    }

    /// <summary>Ceph's <c>handle_monmap</c>: a newer map replaces the hunt list; a map without our monitor sends us hunting.</summary>
    private void HandleMonMap(MMonMap message)
    {
        MonMap map;
        try
        {
            map = MonMap.Decode(message.MonMapBytes);
        }
        catch (DecodeException e)
        {
            Log.BadMonMap(_logger, e.Message);
            return;
        }

        bool established = false, newer = false;
        IConnection? session;
        lock (_lock)
        {
            session = _session;
            if (_monmap is null || map.Epoch > _monmap.Epoch)
            {
                newer = true;
                Volatile.Write(ref _monmap, map);
                EntityAddrVec[] v2 = [.. map.Monitors
                    .Select(m => new EntityAddrVec(m.Addrs.Where(a => a.Type == EntityAddrType.Msgr2)))
                    .Where(v => v.Count > 0)];
                if (v2.Length > 0)
                {
                    _monitors = v2;
                    _tried.Clear();
                }
            }

            _subs.Got("monmap", map.Epoch);
            if (session is not null && ReferenceEquals(message.Connection, session))
            {
                if (newer && map.Find(session.PeerAddrs) is null && map.Monitors.Count > 0)
                {
                    _reopen.TrySetResult($"the monmap (epoch {map.Epoch}) no longer lists {session.PeerAddrs}");
                }
                else
                {
                    established = Establish(session);
                }
            }
        }

        if (newer)
        {
            Log.MonMapEpoch(_logger, map.Epoch, map.Fsid, string.Join(", ", map.Monitors.Select(m => $"mon.{m.Name} {m.Addrs}")));
        }

        if (established)
        {
            RaiseEstablished(session!);
        }
    }
}
