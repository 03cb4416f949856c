using System.Net;
using KestrelMessenger.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace KestrelMessenger.Tests.Transport;

/// <summary>
/// The messenger's TCP connections, accepted and dialled, are built on its block pool: a pipe hands out
/// 64 KiB at a time, not Kestrel's 4 KiB arrays from the shared array pool. (Kestrel takes a pool only
/// through members it keeps internal; this fails if a runtime stops honouring them.)
/// </summary>
public class SocketTransportPoolTests
{
    [Fact]
    public async Task Accepted_and_dialled_connections_write_into_the_messengers_64_KiB_blocks()
    {
        using var transport = new SocketMessengerTransport(NullLoggerFactory.Instance);
        await using IConnectionListener listener = await transport.Listeners.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        ValueTask<ConnectionContext?> accepting = listener.AcceptAsync();
        await using ConnectionContext dialled = await transport.Connections.ConnectAsync(listener.EndPoint);
        await using ConnectionContext accepted = (await accepting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)))!;

        Assert.Equal(BlockMemoryPool.BlockSize, dialled.Transport.Output.GetMemory().Length);
        Assert.Equal(BlockMemoryPool.BlockSize, accepted.Transport.Output.GetMemory().Length);

        // And the bytes still flow both ways through them.
        await dialled.Transport.Output.WriteAsync("ping"u8.ToArray());
        System.IO.Pipelines.ReadResult read = await accepted.Transport.Input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ping"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(read.Buffer.Slice(0, 4)));
        accepted.Transport.Input.AdvanceTo(read.Buffer.End);
    }
}
