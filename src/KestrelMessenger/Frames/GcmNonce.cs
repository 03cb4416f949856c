using System.Buffers.Binary;

namespace KestrelMessenger.Frames;

/// <summary>
/// One direction's AES-GCM nonce in msgr2.1: <c>le32 fixed</c> then <c>le64 counter</c>, taken from the
/// connection secret, with the counter stepped after every GCM operation (msgr2.0 stepped the fixed
/// field instead). Like Ceph's tx handler, the sender refuses to reuse its initial nonce once the
/// counter has wrapped all the way round to it.
/// </summary>
internal sealed class GcmNonce
{
    /// <summary>The 12-byte IV.</summary>
    public const int Length = 12;

    private readonly uint _fixed;
    private readonly ulong _initial;
    private ulong _counter;
    private bool _usedInitial;

    /// <summary>The nonce as the 12 bytes of the connection secret give it.</summary>
    public GcmNonce(ReadOnlySpan<byte> initial)
    {
        _fixed = BinaryPrimitives.ReadUInt32LittleEndian(initial);
        _initial = _counter = BinaryPrimitives.ReadUInt64LittleEndian(initial[4..]);
    }

    /// <summary>Test hook: a nonce that has already used every counter value from <paramref name="initial"/> up to (not including) <paramref name="counter"/>.</summary>
    internal GcmNonce(uint @fixed, ulong initial, ulong counter)
    {
        _fixed = @fixed;
        _initial = initial;
        _counter = counter;
        _usedInitial = true;
    }

    /// <summary>Benchmark hook: sets the counter back so the same received frame can be decrypted again.</summary>
    internal void Rewind(ulong counter) => _counter = counter;

    /// <summary>The counter the next operation will use.</summary>
    public ulong Counter => _counter;

    /// <summary>True while <paramref name="operations"/> more nonces can be used before the initial one would repeat.</summary>
    public bool CanTake(int operations)
    {
        if (!_usedInitial)
        {
            return true; // 2^64 left
        }

        ulong left = unchecked(_initial - _counter); // 0 once the counter is back at the initial value
        return left >= (ulong)operations;
    }

    /// <summary>
    /// Sender: writes the IV for the next operation into <paramref name="iv"/> and steps the counter,
    /// refusing (<see cref="InvalidOperationException"/>) once the initial nonce would come round again.
    /// </summary>
    public void Take(Span<byte> iv)
    {
        if (_counter == _initial)
        {
            if (_usedInitial)
            {
                throw new InvalidOperationException(OutOfNonces);
            }

            _usedInitial = true;
        }

        Next(iv);
    }

    /// <summary>
    /// Receiver: writes the IV for the next operation and steps the counter. No wrap check, as in Ceph's
    /// rx handler: not reusing a nonce is the sender's duty (see <see cref="Take"/>).
    /// </summary>
    public void Next(Span<byte> iv)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(iv, _fixed);
        BinaryPrimitives.WriteUInt64LittleEndian(iv[4..], _counter);
        _counter = unchecked(_counter + 1);
    }

    /// <summary>Why a sender stops: GCM must never see a nonce twice under one key.</summary>
    public const string OutOfNonces =
        "secure mode is out of nonces: every AES-GCM nonce of this connection's key has been used; the connection must be re-established";
}
