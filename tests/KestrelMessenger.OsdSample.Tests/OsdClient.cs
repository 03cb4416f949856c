using KestrelMessenger.Messages.Osd;
using KestrelMessenger.OsdSample.Bench;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Transport;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>Test conveniences over the sample's <see cref="Objecter"/>: one object, a few ops, a reply.</summary>
public sealed class OsdClient(IMessengerTransport transport) : IAsyncDisposable
{
    private readonly Objecter _objecter = new(transport);

    public Messenger Messenger => _objecter.Messenger;

    public Task<MOSDOpReply> SendAsync(OsdInfo osd, string objectName, params OsdOp[] ops) => SendAsync(osd, Request(objectName, ops));

    /// <summary>A request for <paramref name="objectName"/> in pool 1 with a fresh tid, to adjust before sending.</summary>
    public MOSDOp Request(string objectName, params OsdOp[] ops)
    {
        var request = new MOSDOp { Tid = _objecter.NextTid(), ObjectName = objectName, Locator = new ObjectLocator(1), Pgid = new PgId(1, 7), MapEpoch = 1 };
        request.Ops.AddRange(ops);
        return request;
    }

    public Task<MOSDOpReply> SendAsync(OsdInfo osd, MOSDOp request, TimeSpan? timeout = null) =>
        _objecter.SubmitAsync(osd.Public, request).WaitAsync(timeout ?? TimeSpan.FromSeconds(15));

    public static OsdOp Write(ulong offset, byte[] data)
    {
        OsdOp op = OsdOp.Extent(OsdOpCode.Write, offset, (ulong)data.Length);
        op.InData = data;
        return op;
    }

    public ValueTask DisposeAsync() => _objecter.DisposeAsync();
}
