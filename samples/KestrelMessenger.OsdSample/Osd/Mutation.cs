using System.Buffers;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>What one step of an object transaction does.</summary>
public enum MutationKind : byte
{
    /// <summary>Make the object exist (empty when new).</summary>
    Create = 1,
    /// <summary>Write <see cref="Mutation.Data"/> at <see cref="Mutation.Offset"/>, zero-filling any gap past the end.</summary>
    Write = 2,
    /// <summary>Replace the object's bytes with <see cref="Mutation.Data"/>.</summary>
    WriteFull = 3,
    /// <summary>Set the size to <see cref="Mutation.Offset"/>: cut, or extend with zeros.</summary>
    Truncate = 4,
    /// <summary>Zero <see cref="Mutation.Length"/> bytes at <see cref="Mutation.Offset"/> (within the object; never grows it).</summary>
    Zero = 5,
    /// <summary>Remove the object.</summary>
    Delete = 6,
}

/// <summary>
/// One step of an object transaction, as validated by <see cref="OpExecutor"/>: the primary applies the
/// whole list or none of it, and sends the same list to the replica (Ceph's PGTransaction, for one object).
/// Offsets and lengths are already checked against <c>osd_max_object_size</c>.
/// </summary>
/// <param name="Kind">What it does.</param>
/// <param name="Offset">Byte offset (the new size for <see cref="MutationKind.Truncate"/>).</param>
/// <param name="Length">Byte count for <see cref="MutationKind.Zero"/>; the data length otherwise.</param>
/// <param name="Data">
/// The bytes written (<see cref="MutationKind.Write"/>, <see cref="MutationKind.WriteFull"/>), as they lie: a
/// large request's data may be in pieces (the blocks the socket received it into), and stays so in the store.
/// </param>
public readonly record struct Mutation(MutationKind Kind, ulong Offset = 0, ulong Length = 0, ReadOnlySequence<byte> Data = default)
{
    /// <summary>Make the object exist.</summary>
    public static Mutation Create() => new(MutationKind.Create);

    /// <summary>Write <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public static Mutation Write(ulong offset, in ReadOnlySequence<byte> data) => new(MutationKind.Write, offset, (ulong)data.Length, data);

    /// <summary>Write <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public static Mutation Write(ulong offset, ReadOnlyMemory<byte> data) => Write(offset, new ReadOnlySequence<byte>(data));

    /// <summary>Replace the object's bytes.</summary>
    public static Mutation WriteFull(in ReadOnlySequence<byte> data) => new(MutationKind.WriteFull, 0, (ulong)data.Length, data);

    /// <summary>Replace the object's bytes.</summary>
    public static Mutation WriteFull(ReadOnlyMemory<byte> data) => WriteFull(new ReadOnlySequence<byte>(data));

    /// <summary>Set the size.</summary>
    public static Mutation Truncate(ulong size) => new(MutationKind.Truncate, size);

    /// <summary>Zero an extent inside the object.</summary>
    public static Mutation Zero(ulong offset, ulong length) => new(MutationKind.Zero, offset, length);

    /// <summary>Remove the object.</summary>
    public static Mutation Delete() => new(MutationKind.Delete);

    /// <summary>
    /// True when the step is well formed and stays within <paramref name="maxObjectSize"/> bytes: what a
    /// replica checks before applying steps that arrived over the wire.
    /// </summary>
    public bool IsValid(ulong maxObjectSize) => Kind switch
    {
        MutationKind.Create or MutationKind.Delete => Offset == 0 && Length == 0 && Data.IsEmpty,
        MutationKind.Write => Length == (ulong)Data.Length && Offset <= maxObjectSize && Length <= maxObjectSize - Offset,
        MutationKind.WriteFull => Offset == 0 && Length == (ulong)Data.Length && Length <= maxObjectSize,
        MutationKind.Truncate => Offset <= maxObjectSize && Length == 0 && Data.IsEmpty,
        MutationKind.Zero => Data.IsEmpty && Offset <= maxObjectSize && Length <= maxObjectSize - Offset,
        _ => false,
    };
}
