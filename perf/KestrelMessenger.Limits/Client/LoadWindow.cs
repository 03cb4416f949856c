namespace KestrelMessenger.Limits.Client;

/// <summary>
/// The phase every closed loop of a run is in: warm-up (running, not recorded), measuring (round trips
/// recorded), stopping (no new requests; the ones in flight drain).
/// </summary>
internal sealed class LoadWindow
{
    private const int Warmup = 0;
    private const int MeasuringPhase = 1;
    private const int StoppingPhase = 2;

    private int _phase;

    public bool Measuring => Volatile.Read(ref _phase) == MeasuringPhase;

    public bool Stopping => Volatile.Read(ref _phase) == StoppingPhase;

    public void Begin() => Interlocked.CompareExchange(ref _phase, MeasuringPhase, Warmup);

    public void Stop() => Volatile.Write(ref _phase, StoppingPhase);
}
