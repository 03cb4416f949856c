using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace KestrelMessenger.Messages;

/// <summary>
/// One array that message payloads (<see cref="MessageBuffer"/> pieces) point into, and the number of
/// those references. Two kinds: an array rented for a payload (<see cref="PooledArray"/>, made with its
/// first reference), and a transport block that a socket received into, adopted by a message without
/// copying (it starts unreferenced: the pipe that wrote it holds it by its own means until the first
/// message reference, see <see cref="Adopt"/>).
/// </summary>
internal abstract class PayloadBlock
{
    private static long s_live;
    private static long s_taken;

    // Transport blocks a message may adopt, by their array: a pipe's bytes come as memory, not as the
    // block that owns them. Only large blocks are listed, and a block leaves the list when it is dropped.
    private static readonly ConcurrentDictionary<byte[], PayloadBlock> s_adoptable = new(ReferenceEqualityComparer.Instance);

    private int _references;

    protected PayloadBlock(byte[] array, int references)
    {
        Array = array;
        _references = references;
        if (references > 0)
        {
            Taken();
        }
    }

    /// <summary>Blocks messages hold now, process-wide.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    /// <summary>Blocks that messages came to hold since the process started.</summary>
    public static long TakenCount => Interlocked.Read(ref s_taken);

    public byte[] Array { get; }

    /// <summary>The transport block that owns <paramref name="array"/>, when it is one a message may adopt.</summary>
    public static bool TryFindAdoptable(byte[] array, [NotNullWhen(true)] out PayloadBlock? block) => s_adoptable.TryGetValue(array, out block);

    /// <summary>A further reference to a block that already has one.</summary>
    public void AddReference()
    {
        // A block at zero references is back with its owner: a reference to it would read someone else's bytes.
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("shared a message buffer that was already returned to the pool");
        }
    }

    /// <summary>
    /// A reference to a transport block whose bytes a message takes while its pipe still holds them (so
    /// the block cannot be on its way back to the pool): the first reference counts it as held.
    /// </summary>
    public void Adopt()
    {
        if (Interlocked.Increment(ref _references) == 1)
        {
            Taken();
            OnFirstReference();
        }
    }

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Interlocked.Decrement(ref s_live);
            OnUnreferenced();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("a message buffer was released more often than it was referenced");
        }
    }

    /// <summary>
    /// True when a socket may send straight from this block (<see cref="PayloadLoan"/>): memory the kernel
    /// has written before, such as a block a socket received into. Memory only user code wrote is copied
    /// instead: on this project's machines (virtualized), the kernel's first read of such a page costs
    /// about 5 µs, so a 4 MiB payload sent from fresh pooled arrays ran at 0.7 GB/s against 4 GB/s from
    /// pages the kernel had received into, and copying into the pipe's reused blocks is cheaper.
    /// </summary>
    public virtual bool IsLendable => false;

    /// <summary>True while a message holds it (for a pool deciding whether a block may be handed out again).</summary>
    protected bool IsReferenced => Volatile.Read(ref _references) > 0;

    /// <summary>Lists this block as one messages may adopt.</summary>
    protected void ListAdoptable() => s_adoptable[Array] = this;

    /// <summary>Takes this block off the list (it is being dropped).</summary>
    protected void UnlistAdoptable() => s_adoptable.TryRemove(Array, out _);

    /// <summary>The first message reference to an adopted block was taken.</summary>
    protected virtual void OnFirstReference()
    {
    }

    /// <summary>The last message reference went: the block goes back to its owner.</summary>
    protected abstract void OnUnreferenced();

    private static void Taken()
    {
        Interlocked.Increment(ref s_live);
        Interlocked.Increment(ref s_taken);
    }
}

/// <summary>An array rented for one payload, from a pool chosen by size, returned with its last reference.</summary>
internal sealed class PooledArray : PayloadBlock
{
    // ArrayPool.Shared keeps a few dozen arrays per size and core: with a thousand small messages in
    // flight (64 connections, 16 each) most payloads were fresh arrays, and Gen2 collections followed.
    // Payloads up to 64 KiB get a pool of their own that keeps up to 1,024 arrays per size, which
    // bounds what it can hold at about 128 MiB (the high-water mark of what was in flight, not more).
    // Larger ones are few at a time and stay with the shared pool.
    private const int SmallPayload = 64 * 1024;
    private static readonly System.Buffers.ArrayPool<byte> s_small = System.Buffers.ArrayPool<byte>.Create(SmallPayload, 1024);

    private PooledArray(byte[] array)
        : base(array, references: 1)
    {
    }

    public static PooledArray Rent(int length) => new(PoolFor(length).Rent(length));

    protected override void OnUnreferenced() => PoolFor(Array.Length).Return(Array); // what the small pool hands out is never longer than SmallPayload

    private static System.Buffers.ArrayPool<byte> PoolFor(int length) => length <= SmallPayload ? s_small : System.Buffers.ArrayPool<byte>.Shared;
}
