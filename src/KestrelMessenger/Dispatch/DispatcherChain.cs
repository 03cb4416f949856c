using KestrelMessenger.Diagnostics;
using KestrelMessenger.Messages;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Dispatch;

/// <summary>The ordered dispatchers of one messenger.</summary>
internal sealed class DispatcherChain(string messenger, ILogger logger)
{
    private volatile IDispatcher[] _dispatchers = [];
    private readonly object _lock = new();

    public bool IsEmpty => _dispatchers.Length == 0;

    public void AddHead(IDispatcher dispatcher)
    {
        lock (_lock)
        {
            _dispatchers = [dispatcher, .. _dispatchers];
        }
    }

    public void AddTail(IDispatcher dispatcher)
    {
        lock (_lock)
        {
            _dispatchers = [.. _dispatchers, dispatcher];
        }
    }

    /// <summary>Fast-dispatches inline when a dispatcher wants it; false when the message must be queued.</summary>
    public bool TryFastDispatch(Message message)
    {
        foreach (IDispatcher d in _dispatchers)
        {
            bool can;
            try
            {
                can = d.CanFastDispatch(message);
            }
            catch (Exception e)
            {
                MessengerLog.HookFailed(logger, e, messenger, nameof(IDispatcher.CanFastDispatch));
                continue;
            }

            if (can)
            {
                try
                {
                    d.FastDispatch(message);
                }
                catch (Exception e)
                {
                    MessengerLog.DispatcherFailed(logger, e, messenger, message.Type, message.Source.ToString());
                }
                finally
                {
                    message.Dispose();
                }

                return true;
            }
        }

        return false;
    }

    public async ValueTask DispatchAsync(Message message)
    {
        try
        {
            foreach (IDispatcher d in _dispatchers)
            {
                if (await d.DispatchAsync(message))
                {
                    return;
                }
            }

            MessengerLog.Unhandled(logger, messenger, message.Type, message.Source.ToString());
        }
        catch (Exception e)
        {
            MessengerLog.DispatcherFailed(logger, e, messenger, message.Type, message.Source.ToString());
        }
        finally
        {
            message.Dispose();
        }
    }

    public void Notify(DispatchEvent kind, IConnection connection)
    {
        foreach (IDispatcher d in _dispatchers)
        {
            try
            {
                switch (kind)
                {
                    case DispatchEvent.Connect:
                        d.HandleConnect(connection);
                        break;
                    case DispatchEvent.Accept:
                        d.HandleAccept(connection);
                        break;
                    case DispatchEvent.RemoteReset:
                        d.HandleRemoteReset(connection);
                        break;
                    case DispatchEvent.Reset when d.HandleReset(connection):
                    case DispatchEvent.Refused when d.HandleRefused(connection):
                        return;
                }
            }
            catch (Exception e)
            {
                MessengerLog.HookFailed(logger, e, messenger, kind.ToString());
            }
        }
    }
}
