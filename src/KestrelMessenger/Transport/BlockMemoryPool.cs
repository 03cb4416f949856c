using System.Buffers;
using System.Collections.Concurrent;
using KestrelMessenger.Messages;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Transport;

/// <summary>
/// The memory the messenger's socket pipes are made of: 64 KiB blocks on the pinned heap (sockets pin what
/// they send and receive), kept for reuse up to a bound. A pipe asks for 4 KiB and takes what it is given,
/// so a socket receives and sends up to 64 KiB per system call instead of 4 KiB: at 4 MiB per frame the
/// calls, not the copies, were most of the cost. Kept blocks matter as much: <c>ArrayPool.Shared</c>,
/// behind the transport's default pool, keeps a few dozen arrays per size and core, so a large frame
/// allocated most of its blocks anew, and the collections that followed cost more than the copy.
/// </summary>
/// <remarks>
/// Payloads move through it without copies both ways. A message may adopt received bytes where they lie
/// (<see cref="MessageBuffer.TryAdopt"/>): the block then stays out of the pool until both the pipe and
/// every message are done with it. And a writer may lend a payload to a pipe (<see cref="PayloadLoan"/>):
/// the pipe's next rent on that thread returns the loan instead of a block.
/// </remarks>
internal sealed class BlockMemoryPool(int maxRetainedBlocks = BlockMemoryPool.DefaultRetainedBlocks) : MemoryPool<byte>
{
    /// <summary>Block size.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>64 MiB of idle blocks at most: a few large frames in flight on several connections.</summary>
    public const int DefaultRetainedBlocks = 1024;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks allocated since the pool was made (for tests: reuse shows as this standing still).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    private long _allocated;

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (PayloadLoan.TakeOffer() is PayloadLoan loan)
        {
            return loan; // a writer lends a payload's bytes as this segment (BlockSize of them)
        }

        if (_free.TryDequeue(out Block? block))
        {
            Interlocked.Decrement(ref _retained);
            block.Lease();
            return block;
        }

        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        while (_free.TryDequeue(out Block? block))
        {
            block.Drop();
        }
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= maxRetainedBlocks)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained); // past the bound: the collector takes it
            block.Drop();
        }
    }

    /// <summary>
    /// A block, held by the pipe that rented it (its lease) and, while any message adopted some of its bytes,
    /// by those messages together: it goes back to the pool when neither holds it.
    /// </summary>
    private sealed class Block : PayloadBlock, IMemoryOwner<byte>
    {
        private readonly BlockMemoryPool _pool;
        private int _holds = 1;
        private int _leased = 1;

        public Block(BlockMemoryPool pool)
            : base(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), references: 0)
        {
            _pool = pool;
            ListAdoptable();
        }

        public Memory<byte> Memory => Array;

        /// <summary>A socket wrote it (a message adopts only received bytes) and sockets send from it: the kernel knows its pages.</summary>
        public override bool IsLendable => true;

        public void Lease()
        {
            Volatile.Write(ref _holds, 1);
            Volatile.Write(ref _leased, 1);
        }

        public void Dispose()
        {
            // Returned once per lease: a second dispose must not put the block in the queue twice.
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                Unhold();
            }
        }

        /// <summary>Leaves the adoptable list: the pool drops it.</summary>
        public void Drop() => UnlistAdoptable();

        protected override void OnFirstReference() => Interlocked.Increment(ref _holds);

        protected override void OnUnreferenced() => Unhold();

        private void Unhold()
        {
            if (Interlocked.Decrement(ref _holds) == 0)
            {
                _pool.Return(this);
            }
        }
    }
}

/// <summary>Hands every transport the one <see cref="BlockMemoryPool"/> of the process.</summary>
internal sealed class BlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>The process's pool.</summary>
    public static BlockMemoryPoolFactory Shared { get; } = new();

    private readonly BlockMemoryPool _pool = new();

    /// <inheritdoc />
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new Lease(_pool);

    /// <summary>A transport disposes the pool it was given when it stops: that must not empty the shared one.</summary>
    private sealed class Lease(BlockMemoryPool pool) : MemoryPool<byte>
    {
        public override int MaxBufferSize => pool.MaxBufferSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => pool.Rent(minBufferSize);

        protected override void Dispose(bool disposing)
        {
        }
    }
}
