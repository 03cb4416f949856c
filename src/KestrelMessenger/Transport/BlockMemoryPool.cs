using System.Buffers;
using System.Collections.Concurrent;
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
    protected override void Dispose(bool disposing) => _free.Clear();

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= maxRetainedBlocks)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained); // past the bound: the collector takes it
        }
    }

    private sealed class Block(BlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        private int _leased = 1;

        public Memory<byte> Memory => _array;

        public void Lease() => Volatile.Write(ref _leased, 1);

        public void Dispose()
        {
            // Returned once per lease: a second dispose must not put the block in the queue twice.
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                pool.Return(this);
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
