using System.Buffers;
using System.Runtime.InteropServices;

namespace KestrelMessenger.Messages;

/// <summary>
/// A stretch of a payload lent to a pipe as one of its segments, so the socket sends it from where it
/// lies instead of from a copy. The pipe takes it as memory it rented (see <see cref="TakeOffer"/>), and
/// disposes it once the bytes are sent: the loan holds a reference to the payload's block until then.
/// </summary>
/// <remarks>
/// A pipe rents memory only when its current segment lacks room, from the pool it was made with. The
/// messenger's socket pool (<c>BlockMemoryPool</c>) hands out the offer of the calling thread, if there
/// is one, instead of a block. Nothing depends on that happening: <see cref="TryLend"/> checks that the
/// memory the pipe returned is the loan's, and the caller copies otherwise.
/// </remarks>
internal sealed class PayloadLoan : IMemoryOwner<byte>
{
    /// <summary>What is lent at once: a block of the socket pool's size, so a pipe rents exactly it.</summary>
    public const int Size = 64 * 1024;

    [ThreadStatic]
    private static PayloadLoan? t_offered;

    private readonly PayloadBlock _block;
    private int _returned;

    private PayloadLoan(PayloadBlock block, int offset)
    {
        block.AddReference();
        _block = block;
        Memory = block.Array.AsMemory(offset, Size);
    }

    /// <summary>The lent bytes. Nobody writes them: the pipe's writer advances past them whole.</summary>
    public Memory<byte> Memory { get; }

    /// <summary>The loan offered on this thread, taken by whoever asks first (a pool renting for a pipe).</summary>
    public static PayloadLoan? TakeOffer()
    {
        PayloadLoan? offered = t_offered;
        t_offered = null;
        return offered;
    }

    /// <summary>
    /// Lends <see cref="Size"/> bytes of <paramref name="block"/> at <paramref name="offset"/> to
    /// <paramref name="output"/>'s next segment: true when the pipe took them (they are then written), false
    /// when it had room of its own and returned that in <paramref name="room"/> (at least <see cref="Size"/>
    /// bytes), for the caller to copy into.
    /// </summary>
    public static bool TryLend(IBufferWriter<byte> output, PayloadBlock block, int offset, out Memory<byte> room)
    {
        var loan = new PayloadLoan(block, offset);
        bool taken;
        t_offered = loan;
        try
        {
            room = output.GetMemory(Size);
        }
        finally
        {
            taken = t_offered is null; // the pipe's pool took it: the pipe disposes it from now on
            t_offered = null;
        }

        if (!taken)
        {
            loan.Dispose(); // the pipe had room of its own, or rents from a pool that does not lend
            return false;
        }

        if (!MemoryMarshal.TryGetArray<byte>(room, out ArraySegment<byte> got) || !ReferenceEquals(got.Array, block.Array) ||
            got.Offset != offset || got.Count != Size)
        {
            throw new InvalidOperationException("a pipe took a lent payload but returned other memory to write");
        }

        output.Advance(Size);
        return true;
    }

    /// <summary>The pipe is done with the bytes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            _block.Release();
        }
    }
}
