using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Protocol;

/// <summary>What the banner and handshake need to know about the messenger they run for.</summary>
public interface IHandshakeHost
{
    /// <summary>The messenger's name, for logs and metrics ("public", "cluster", …).</summary>
    string Name { get; }

    /// <summary>Who we are on the wire.</summary>
    EntityName MyName { get; }

    /// <summary>Our nonce: tells this process apart from a restarted one at the same address.</summary>
    uint Nonce { get; }

    /// <summary>The addresses we are bound to (empty for a messenger that only connects out).</summary>
    EntityAddrVec MyAddrs { get; }

    /// <summary>The policy for peers of <paramref name="peerType"/>.</summary>
    Policy GetPolicy(EntityType peerType);

    /// <summary>Client half of our auth methods.</summary>
    IAuthClient AuthClient { get; }

    /// <summary>Server half of our auth methods.</summary>
    IAuthServer AuthServer { get; }

    /// <summary>Which methods and modes apply with each peer type.</summary>
    AuthRegistry AuthRegistry { get; }

    /// <summary>Takes the next value of the messenger-wide connection attempt counter.</summary>
    ulong NextGlobalSeq();

    /// <summary>Banner through READY must finish within this.</summary>
    TimeSpan HandshakeTimeout { get; }

    /// <summary>Per-segment caps for incoming frames.</summary>
    FrameLimits FrameLimits { get; }

    /// <summary>Caps for frames that arrive before the peer has authenticated (a few tens of KiB).</summary>
    FrameLimits PreAuthFrameLimits { get; }

    /// <summary>Where handshake outcomes are logged.</summary>
    ILogger Logger { get; }

    /// <summary>Where handshake outcomes are counted.</summary>
    MessengerMetrics Metrics { get; }
}
