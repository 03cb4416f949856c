using System.Buffers;

namespace KestrelMessenger.Tests.Harness;

/// <summary>Builds multi-segment sequences so parsers meet input split at any byte.</summary>
public static class Sequences
{
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] splits)
    {
        int[] cuts = [.. splits.Where(s => s > 0 && s < data.Length).Distinct().Order()];
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var first = new Chunk(data.AsMemory(0, cuts[0]));
        Chunk last = first;
        for (int i = 0; i < cuts.Length; i++)
        {
            int end = i + 1 < cuts.Length ? cuts[i + 1] : data.Length;
            last = last.Append(data.AsMemory(cuts[i], end - cuts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Chunk Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Chunk(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
