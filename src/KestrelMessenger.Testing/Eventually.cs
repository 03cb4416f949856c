namespace KestrelMessenger.Testing;

/// <summary>Waiting, in a test, for something another part of the system does on its own time.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="probe"/> until it returns a value; throws <see cref="TimeoutException"/> with <paramref name="failure"/> after <paramref name="timeout"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<T?> probe, TimeSpan timeout, Func<string> failure) where T : class
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is T found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure());
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> with <paramref name="failure"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure) =>
        UntilAsync(() => condition() ? string.Empty : null, timeout, failure);
}
