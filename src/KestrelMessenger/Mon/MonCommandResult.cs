using System.Text;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Mon;

/// <summary>
/// How a monitor command ended (Ceph's <c>MMonCommandAck</c>, or the client's own verdict): the result
/// code (0 or a negative errno, see <see cref="Errno"/>), the status text the monitor wrote ("dumped
/// osdmap epoch 5", or the error's explanation) and the output bytes (JSON for <c>"format":"json"</c>).
/// </summary>
/// <param name="Result">0, or a negative errno: the monitor's, or <see cref="Errno.ETIMEDOUT"/> (no answer within the op timeout) or <see cref="Errno.ECANCELED"/> (the client stopped).</param>
/// <param name="Status">The status text ("rs").</param>
/// <param name="Output">The output ("outbl").</param>
public sealed record MonCommandResult(int Result, string Status, ReadOnlyMemory<byte> Output)
{
    /// <summary>True when the result is 0.</summary>
    public bool Succeeded => Result == 0;

    /// <summary>The output as UTF-8 text.</summary>
    public string OutputText => Encoding.UTF8.GetString(Output.Span);

    /// <inheritdoc />
    public override string ToString() => Result == 0 ? $"ok: {Status}" : $"{Errno.Name(Result)} ({Result}): {Status}";
}

/// <summary>A map's newest and oldest epoch on the monitors (Ceph's <c>get_version</c> answer).</summary>
/// <param name="Newest">The newest epoch (Ceph's <c>version</c>).</param>
/// <param name="Oldest">The oldest epoch still kept (Ceph's <c>oldest_version</c>).</param>
public readonly record struct MonMapVersion(ulong Newest, ulong Oldest);

/// <summary>A <see cref="MonClient"/> request or wait that failed, with Ceph's errno for why.</summary>
/// <param name="errno">The negative errno: <see cref="Errno.ETIMEDOUT"/>, <see cref="Errno.EACCES"/> (every monitor refused our auth), <see cref="Errno.ECANCELED"/> (stopped).</param>
/// <param name="message">What happened, for a person.</param>
public sealed class MonClientException(int errno, string message) : Exception(message)
{
    /// <summary>The negative errno.</summary>
    public int Errno { get; } = errno;
}
