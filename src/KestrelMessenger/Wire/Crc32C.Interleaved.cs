using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KestrelMessenger.Wire;

public static partial class Crc32C
{
    /// <summary>Whether <see cref="AppendInterleaved"/> may run: 64-bit <c>crc32</c> and <c>pclmulqdq</c>.</summary>
    internal static bool CanInterleave => Sse42.X64.IsSupported && Pclmulqdq.IsSupported;

    /// <summary>
    /// Three independent <c>crc32</c> chains over three adjacent blocks, joined by a carry-less multiply.
    /// </summary>
    /// <remarks>
    /// The instruction's latency is 3 cycles and the CPU can start one per cycle, so a single chain leaves
    /// the unit idle two cycles in three; three chains fill it. Blocks are at most
    /// <see cref="Interleaving.MaxBlockWords"/> words so that the join (a few cycles) stays small next to
    /// the block, and the last round splits whatever is left into three equal blocks so that little falls
    /// to the single chain at the end. Callers check <see cref="CanInterleave"/>.
    /// </remarks>
    internal static uint AppendInterleaved(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        ulong c = crc;
        uint[] shifts = Interleaving.Shifts;
        while (length >= Interleaving.MaxRoundBytes)
        {
            c = Round(c, ref p, Interleaving.MaxBlockWords, shifts);
            p = ref Unsafe.Add(ref p, Interleaving.MaxRoundBytes);
            length -= Interleaving.MaxRoundBytes;
        }

        // Two words per chain is where three chains and a join start to beat one chain.
        nuint words = length / (3 * sizeof(ulong));
        if (words >= 2)
        {
            c = Round(c, ref p, words, shifts);
            p = ref Unsafe.Add(ref p, words * 3 * sizeof(ulong));
            length -= words * 3 * sizeof(ulong);
        }

        return AppendSingleStream((uint)c, MemoryMarshal.CreateReadOnlySpan(ref p, (int)length));
    }

    /// <summary>The CRC of 3 × <paramref name="words"/> × 8 bytes at <paramref name="p"/>, seeded with <paramref name="c0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong c0, ref byte p, nuint words, uint[] shifts)
    {
        nuint block = words * sizeof(ulong);
        ulong c1 = 0;
        ulong c2 = 0;
        ref byte q = ref p;
        ref byte end = ref Unsafe.Add(ref p, block);
        while (Unsafe.IsAddressLessThan(ref q, ref end))
        {
            c0 = Sse42.X64.Crc32(c0, Unsafe.ReadUnaligned<ulong>(ref q));
            c1 = Sse42.X64.Crc32(c1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref q, block)));
            c2 = Sse42.X64.Crc32(c2, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref q, 2 * block)));
            q = ref Unsafe.Add(ref q, sizeof(ulong));
        }

        // crc(c0, A‖B‖C) = c0'·x^(2·8|B|) ⊕ c1'·x^(8|B|) ⊕ c2'. Both products are reduced together: the
        // reduction is linear, so one crc32 step serves both.
        ulong product = CarrylessMultiply(c0, shifts[2 * words]) ^ CarrylessMultiply(c1, shifts[words]);
        return Sse42.X64.Crc32(0, product) ^ c2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong CarrylessMultiply(ulong a, uint b) =>
        Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(a), Vector128.CreateScalar((ulong)b), 0x00).ToScalar();

    /// <summary>The constants of the join, in their own class so that only CPUs that interleave build them.</summary>
    private static class Interleaving
    {
        /// <summary>2 KiB per chain: the join costs about 1 % of a full round.</summary>
        public const int MaxBlockWords = 256;

        public const int MaxRoundBytes = 3 * MaxBlockWords * sizeof(ulong);

        /// <summary>
        /// <c>Shifts[k]</c> multiplies a CRC by x^(64k), i.e. moves it past k zero words:
        /// <c>crc32(0, clmul(c, Shifts[k])) = c·x^(64k) mod P</c>.
        /// </summary>
        /// <remarks>
        /// Why x^(64k−33): the carry-less product of two reflected 32-bit values, read as a reflected 64-bit
        /// value, is the polynomial product times x (the product has degree 62, the word holds 63); and
        /// <c>crc32</c> of a 64-bit word W from 0 is W·x^32 mod P. So <c>crc32(0, clmul(c, K)) = c·K·x^33</c>,
        /// and K = x^(64k−33) gives c·x^(64k). Entries run to 2 × <see cref="MaxBlockWords"/> because the first
        /// chain moves past two blocks.
        /// </remarks>
        public static readonly uint[] Shifts = BuildShifts();

        private static uint[] BuildShifts()
        {
            uint[] shifts = new uint[(2 * MaxBlockWords) + 1];
            uint power = XPowerModP(64 - 33);
            for (int k = 1; k < shifts.Length; k++)
            {
                shifts[k] = power;
                for (int bit = 0; bit < 64; bit++)
                {
                    power = MultiplyByX(power);
                }
            }

            return shifts;
        }
    }
}
