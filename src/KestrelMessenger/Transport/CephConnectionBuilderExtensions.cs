using KestrelMessenger.Protocol;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// The msgr2 middleware, generic over the builder so a Kestrel <c>ListenOptions</c> and an
/// outbound <see cref="ConnectionBuilder"/> compose the same chain.
/// </summary>
public static class CephConnectionBuilderExtensions
{
    /// <summary>Adds the msgr2 banner exchange.</summary>
    public static TBuilder UseCephBanner<TBuilder>(this TBuilder builder, IHandshakeHost host) where TBuilder : IConnectionBuilder
    {
        builder.Use(next => new CephBannerMiddleware(next, host).OnConnectionAsync);
        return builder;
    }

    /// <summary>Adds the msgr2 handshake (HELLO, AUTH, AUTH_SIGNATURE, IDENT); needs <see cref="UseCephBanner{TBuilder}"/> first.</summary>
    public static TBuilder UseCephHandshake<TBuilder>(this TBuilder builder, IHandshakeHost host) where TBuilder : IConnectionBuilder
    {
        builder.Use(next => new CephHandshakeMiddleware(next, host).OnConnectionAsync);
        return builder;
    }
}
