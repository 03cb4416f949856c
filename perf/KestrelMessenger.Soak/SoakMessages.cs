using System.Buffers.Binary;
using KestrelMessenger.Messages;
using KestrelMessenger.Testing;

namespace KestrelMessenger.Soak;

/// <summary>The soak's message types (raw messages, numbered by tid), outside Ceph's range.</summary>
internal static class SoakMessages
{
    /// <summary>One numbered message of the stream (tid = its number).</summary>
    public const ushort Data = 0x7F10;

    /// <summary>The stream is over (tid = how many were sent).</summary>
    public const ushort Done = 0x7F11;

    /// <summary>The receiver's audit (front: expected, received, lost, duplicated, reordered, sockets it cut).</summary>
    public const ushort Report = 0x7F12;

    /// <summary>The receiver has this many (tid): the sender keeps its window by it.</summary>
    public const ushort Progress = 0x7F13;

    public static Message ReportOf(SequenceReport report, int cuts)
    {
        long[] values = [report.Expected, report.Received, report.Lost, report.Duplicated, report.Reordered, cuts];
        byte[] front = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(front.AsSpan(i * 8), values[i]);
        }

        return new Message(Report) { Front = MessageBuffer.CopyOf(front) };
    }

    public static (SequenceReport Audit, int Cuts) ReadReport(Message message)
    {
        byte[] f = message.Front.Span.ToArray();
        long At(int i) => BinaryPrimitives.ReadInt64LittleEndian(f.AsSpan(i * 8));
        return (new SequenceReport(At(0), At(1), At(2), At(3), At(4)), (int)At(5));
    }
}
