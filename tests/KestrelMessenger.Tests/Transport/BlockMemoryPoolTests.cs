using System.Buffers;
using KestrelMessenger.Transport;

namespace KestrelMessenger.Tests.Transport;

/// <summary>The sockets' memory: large pinned blocks, reused, never handed out twice, kept up to a bound.</summary>
public class BlockMemoryPoolTests
{
    [Fact]
    public void A_returned_block_is_reused_instead_of_allocating_another()
    {
        using var pool = new BlockMemoryPool();
        IMemoryOwner<byte> first = pool.Rent(4096);
        Memory<byte> memory = first.Memory;
        Assert.Equal(BlockMemoryPool.BlockSize, memory.Length); // more than a pipe asks for: it takes it all
        first.Dispose();

        using IMemoryOwner<byte> second = pool.Rent();
        Assert.True(second.Memory.Span == memory.Span);
        Assert.Equal(1, pool.Allocated);
    }

    [Fact]
    public void A_block_disposed_twice_goes_back_once()
    {
        using var pool = new BlockMemoryPool();
        IMemoryOwner<byte> block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using IMemoryOwner<byte> a = pool.Rent();
        using IMemoryOwner<byte> b = pool.Rent();
        Assert.False(a.Memory.Span == b.Memory.Span);
        Assert.Equal(2, pool.Allocated);
    }

    [Fact]
    public void Blocks_past_the_bound_are_left_to_the_collector()
    {
        using var pool = new BlockMemoryPool(maxRetainedBlocks: 2);
        IMemoryOwner<byte>[] blocks = [.. Enumerable.Range(0, 5).Select(_ => pool.Rent())];
        foreach (IMemoryOwner<byte> block in blocks)
        {
            block.Dispose();
        }

        IMemoryOwner<byte>[] again = [.. Enumerable.Range(0, 5).Select(_ => pool.Rent())];
        Assert.Equal(5 + 3, pool.Allocated); // two came back from the pool, three were made anew
        foreach (IMemoryOwner<byte> block in again)
        {
            block.Dispose();
        }
    }

    [Fact]
    public void Asking_for_more_than_a_block_is_refused()
    {
        using var pool = new BlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(BlockMemoryPool.BlockSize + 1));
    }
}
