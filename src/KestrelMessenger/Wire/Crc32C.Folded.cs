using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KestrelMessenger.Wire;

public static partial class Crc32C
{
    /// <summary>
    /// Whether <see cref="AppendFolded"/> may run: 512-bit carry-less multiply (VPCLMULQDQ with AVX-512)
    /// that the runtime considers worth using (it reports 512-bit vectors as not accelerated on CPUs that
    /// slow down for them), and 64-bit <c>crc32</c> for the final reduction.
    /// </summary>
    internal static bool CanFold =>
        Pclmulqdq.V512.IsSupported && Vector512.IsHardwareAccelerated && Sse42.X64.IsSupported;

    /// <summary>
    /// Folds the input 256 bytes at a time into four 512-bit accumulators, then lets <c>crc32</c> finish.
    /// </summary>
    /// <remarks>
    /// <para>The invariant: the CRC of (accumulators ‖ rest of input) equals the CRC of the input read so
    /// far ‖ rest. Each 128-bit lane of an accumulator is replaced by a value congruent, mod P, to it times
    /// x^D, where D is the distance to the bytes it is XORed into; congruent values give the same CRC.
    /// Carry-less multiplies are not chained through <c>crc32</c>, so four accumulators keep the multiplier
    /// busy instead of waiting for its latency.</para>
    /// <para>The seed enters by XOR into the first four bytes, since <c>crc(s, W) = crc(0, W ⊕ s)</c> for a
    /// word W. At the end the accumulators are folded into one 128-bit lane, whose CRC from 0, taken
    /// with two <c>crc32</c> steps, is the CRC of everything folded; the last &lt; 64 bytes follow on one chain.</para>
    /// <para>Little-endian only, like every x86 CPU. Callers check <see cref="CanFold"/> and pass at least
    /// 256 bytes.</para>
    /// </remarks>
    internal static uint AppendFolded(uint crc, ReadOnlySpan<byte> data)
    {
        Debug.Assert(data.Length >= Folding.StepBytes);
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;

        Vector512<ulong> a0 = Vector512.LoadUnsafe(ref p).AsUInt64() ^ Vector512.CreateScalar((ulong)crc);
        Vector512<ulong> a1 = Vector512.LoadUnsafe(ref p, 64).AsUInt64();
        Vector512<ulong> a2 = Vector512.LoadUnsafe(ref p, 128).AsUInt64();
        Vector512<ulong> a3 = Vector512.LoadUnsafe(ref p, 192).AsUInt64();
        p = ref Unsafe.Add(ref p, Folding.StepBytes);
        length -= Folding.StepBytes;

        Vector512<ulong> by2048 = Folding.By2048Bits;
        while (length >= Folding.StepBytes)
        {
            a0 = Fold(a0, by2048) ^ Vector512.LoadUnsafe(ref p).AsUInt64();
            a1 = Fold(a1, by2048) ^ Vector512.LoadUnsafe(ref p, 64).AsUInt64();
            a2 = Fold(a2, by2048) ^ Vector512.LoadUnsafe(ref p, 128).AsUInt64();
            a3 = Fold(a3, by2048) ^ Vector512.LoadUnsafe(ref p, 192).AsUInt64();
            p = ref Unsafe.Add(ref p, Folding.StepBytes);
            length -= Folding.StepBytes;
        }

        Vector512<ulong> by512 = Folding.By512Bits;
        Vector512<ulong> a = Fold(a0, Folding.By1536Bits) ^ Fold(a1, Folding.By1024Bits) ^ Fold(a2, by512) ^ a3;
        while (length >= 64)
        {
            a = Fold(a, by512) ^ Vector512.LoadUnsafe(ref p).AsUInt64();
            p = ref Unsafe.Add(ref p, 64);
            length -= 64;
        }

        // Lanes 0-2 move forward onto lane 3 (their constants are those of 384, 256 and 128 bits; lane 3's
        // are zero, so its product vanishes and it is added back as it is).
        Vector512<ulong> lanes = Fold(a, Folding.OntoLastLane) ^ (a & Folding.LastLane);
        Vector256<ulong> half = lanes.GetLower() ^ lanes.GetUpper();
        Vector128<ulong> lane = half.GetLower() ^ half.GetUpper();
        ulong c = Sse42.X64.Crc32(Sse42.X64.Crc32(0, lane.ToScalar()), lane.GetElement(1));

        return AppendSingleStream((uint)c, MemoryMarshal.CreateReadOnlySpan(ref p, (int)length));
    }

    /// <summary>Each 128-bit lane times the power of x its constants stand for (see <see cref="Folding.By"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> a, Vector512<ulong> constants) =>
        Pclmulqdq.V512.CarrylessMultiply(a, constants, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(a, constants, 0x11);

    /// <summary>The folding constants, in their own class so that only CPUs that fold build them.</summary>
    private static class Folding
    {
        public const int StepBytes = 256;

        public static readonly Vector512<ulong> By2048Bits = Vector512.Create(By(2048));
        public static readonly Vector512<ulong> By1536Bits = Vector512.Create(By(1536));
        public static readonly Vector512<ulong> By1024Bits = Vector512.Create(By(1024));
        public static readonly Vector512<ulong> By512Bits = Vector512.Create(By(512));
        public static readonly Vector512<ulong> OntoLastLane =
            Vector512.Create(Vector256.Create(By(384), By(256)), Vector256.Create(By(128), Vector128<ulong>.Zero));

        public static readonly Vector512<ulong> LastLane =
            Vector512.Create(Vector256<ulong>.Zero, Vector256.Create(Vector128<ulong>.Zero, Vector128<ulong>.AllBitsSet));

        /// <summary>
        /// The constants that move a 128-bit lane <paramref name="bits"/> forward.
        /// </summary>
        /// <remarks>
        /// A lane as loaded holds V = H·x^64 + L, H its first (low) quadword. The carry-less product of a
        /// reflected 64-bit value and a reflected 32-bit one, read as a reflected 128-bit lane, is the
        /// polynomial product times x^33 (degree 94 in a 127-degree lane). So H is multiplied by
        /// x^(bits+64−33) and L by x^(bits−33), each product lands in 96 bits, and their sum is
        /// ≡ V·x^bits (mod P).
        /// </remarks>
        private static Vector128<ulong> By(int bits) =>
            Vector128.Create((ulong)XPowerModP(bits + 64 - 33), XPowerModP(bits - 33));
    }
}
