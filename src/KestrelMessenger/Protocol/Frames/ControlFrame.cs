using KestrelMessenger.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Frames;

/// <summary>A control frame: a one-segment frame whose payload is a denc encoding.</summary>
public interface IControlFrame
{
    /// <summary>The frame's tag.</summary>
    Tag Tag { get; }

    /// <summary>Writes the payload (segment 0).</summary>
    void Encode(DencWriter writer);
}

/// <summary>A control frame that can decode itself.</summary>
public interface IControlFrame<TSelf> : IControlFrame where TSelf : IControlFrame<TSelf>
{
    /// <summary>The tag frames of this type carry.</summary>
    static abstract Tag FrameTag { get; }

    /// <summary>Reads the payload.</summary>
    static abstract TSelf Decode(ref DencReader reader);
}

/// <summary>Helpers shared by control frames.</summary>
public static class ControlFrame
{
    /// <summary>Decodes a control payload as <typeparamref name="T"/>; bytes left over after it are a protocol error.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> payload) where T : IControlFrame<T>
    {
        var reader = new DencReader(payload);
        return Decode<T>(ref reader);
    }

    /// <summary>Decodes a control payload as <typeparamref name="T"/>, slicing (not copying) the blobs it carries.</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> payload) where T : IControlFrame<T>
    {
        var reader = new DencReader(payload);
        return Decode<T>(ref reader);
    }

    private static T Decode<T>(ref DencReader reader) where T : IControlFrame<T>
    {
        T frame;
        try
        {
            frame = T.Decode(ref reader);
        }
        catch (DecodeException e)
        {
            throw new ProtocolException($"malformed {T.FrameTag} frame: {e.Message}");
        }

        // Pacific's control frames have fixed layouts: anything after them is not a newer field but garbage.
        if (!reader.End)
        {
            throw new ProtocolException($"malformed {T.FrameTag} frame: {reader.Remaining} bytes after its payload");
        }

        return frame;
    }

    internal static void WriteU32List(DencWriter writer, IReadOnlyList<uint> values)
    {
        writer.WriteU32((uint)values.Count);
        foreach (uint v in values)
        {
            writer.WriteU32(v);
        }
    }

    internal static uint[] ReadU32List(ref DencReader reader)
    {
        var values = new uint[reader.ReadCount(4)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadU32();
        }

        return values;
    }
}
