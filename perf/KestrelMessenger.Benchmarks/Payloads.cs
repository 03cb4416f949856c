namespace KestrelMessenger.Benchmarks;

/// <summary>Deterministic pseudo-random payloads, so every run hashes and copies the same bytes.</summary>
internal static class Payloads
{
    public static byte[] Create(int size)
    {
        byte[] payload = new byte[size];
        new Random(size).NextBytes(payload);
        return payload;
    }
}
