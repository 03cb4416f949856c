using System.Buffers;
namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// An object as the ops of one MOSDOp see it while they run: the stored object plus the mutations
/// staged so far, none of them applied. Reads overlay the staged steps on the stored bytes, so a read
/// after a write in the same request sees that write, while the store stays untouched until the
/// whole request has succeeded (Ceph's <c>new_obs</c> over the unapplied PGTransaction).
/// </summary>
public sealed class StagedObject(ObjectView? stored)
{
    private readonly List<Mutation> _mutations = [];

    /// <summary>True when the object existed before the request (Ceph's <c>obc->obs.exists</c>).</summary>
    public bool ExistedBefore => stored is not null;

    /// <summary>True when the object exists after the steps staged so far.</summary>
    public bool Exists { get; private set; } = stored is not null;

    /// <summary>The size after the steps staged so far.</summary>
    public ulong Size { get; private set; } = stored?.Size ?? 0;

    /// <summary>The stored object, before this request.</summary>
    public ObjectView? Stored => stored;

    /// <summary>The steps staged so far, in order.</summary>
    public IReadOnlyList<Mutation> Mutations => _mutations;

    /// <summary>Stages <paramref name="m"/> (already validated).</summary>
    public void Stage(Mutation m)
    {
        _mutations.Add(m);
        switch (m.Kind)
        {
            case MutationKind.Create:
                Exists = true;
                break;
            case MutationKind.Write:
                Exists = true;
                Size = Math.Max(Size, m.Offset + m.Length);
                break;
            case MutationKind.WriteFull:
                Exists = true;
                Size = m.Length;
                break;
            case MutationKind.Truncate:
                Exists = true;
                Size = m.Offset;
                break;
            case MutationKind.Delete:
                Exists = false;
                Size = 0;
                break;
        }
    }

    /// <summary>
    /// Reads <paramref name="into"/>.Length bytes at <paramref name="offset"/> (within <see cref="Size"/>)
    /// as the object would hold them if the staged steps were applied.
    /// </summary>
    public void Read(ulong offset, Span<byte> into)
    {
        // Invariant while replaying: bytes of the window at or past the current size are zero.
        into.Clear();
        ulong size = 0;
        if (stored is not null)
        {
            size = stored.Size;
            CopyOverlap(stored.Data, 0, offset, into);
        }

        foreach (Mutation m in _mutations)
        {
            switch (m.Kind)
            {
                case MutationKind.Write:
                    CopyOverlap(m.Data, m.Offset, offset, into);
                    size = Math.Max(size, m.Offset + m.Length);
                    break;
                case MutationKind.WriteFull:
                    into.Clear();
                    CopyOverlap(m.Data, 0, offset, into);
                    size = m.Length;
                    break;
                case MutationKind.Truncate:
                    if (m.Offset < size)
                    {
                        ZeroOverlap(m.Offset, size - m.Offset, offset, into);
                    }

                    size = m.Offset;
                    break;
                case MutationKind.Zero:
                    if (m.Offset < size)
                    {
                        ZeroOverlap(m.Offset, Math.Min(m.Length, size - m.Offset), offset, into);
                    }

                    break;
                case MutationKind.Delete:
                    into.Clear();
                    size = 0;
                    break;
            }
        }
    }

    /// <summary>Copies the part of <paramref name="source"/> (placed at <paramref name="at"/>) that falls in the window at <paramref name="window"/>.</summary>
    private static void CopyOverlap(in ReadOnlySequence<byte> source, ulong at, ulong window, Span<byte> into)
    {
        ulong start = Math.Max(at, window);
        ulong end = Math.Min(at + (ulong)source.Length, window + (ulong)into.Length);
        if (start < end)
        {
            source.Slice((long)(start - at), (long)(end - start)).CopyTo(into[(int)(start - window)..]);
        }
    }

    private static void ZeroOverlap(ulong at, ulong length, ulong window, Span<byte> into)
    {
        ulong start = Math.Max(at, window);
        ulong end = Math.Min(at + length, window + (ulong)into.Length);
        if (start < end)
        {
            into.Slice((int)(start - window), (int)(end - start)).Clear();
        }
    }
}
