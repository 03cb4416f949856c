using KestrelMessenger.Frames;

namespace KestrelMessenger.Protocol;

/// <summary>Where a connection is in msgr2's life, as far as which frames may arrive.</summary>
public enum ProtocolPhase
{
    /// <summary>After the banner, before READY: HELLO, AUTH_*, IDENT and SESSION_* frames.</summary>
    Handshake,
    /// <summary>READY: MESSAGE, KEEPALIVE2, KEEPALIVE2_ACK and ACK.</summary>
    Ready,
}

/// <summary>
/// The one table of which frames are legal when (Ceph's ProtocolV2 faults on the rest), judged from
/// the preamble alone so a misplaced frame is refused before its body is buffered.
/// </summary>
public static class FrameRules
{
    /// <summary>Why a frame with this preamble may not arrive in <paramref name="phase"/>, or null when it may.</summary>
    public static string? Violation(in FramePreamble preamble, ProtocolPhase phase)
    {
        Tag tag = preamble.Tag;
        bool readyOnly = tag is Tag.Message or Tag.Keepalive2 or Tag.Keepalive2Ack or Tag.Ack;
        if (!Enum.IsDefined(tag) || tag is Tag.CompressionRequest or Tag.CompressionDone)
        {
            // Compression (Quincy+) is never negotiated with Pacific, so its tags are as unknown as 99.
            return $"unknown or unsupported frame tag {(byte)tag}";
        }

        if (phase == ProtocolPhase.Handshake && readyOnly)
        {
            return $"{tag} frame received before the session is READY";
        }

        if (phase == ProtocolPhase.Ready && !readyOnly)
        {
            return $"unexpected {tag} frame in READY";
        }

        if (tag != Tag.Message && preamble.SegmentCount != 1)
        {
            return $"control frame {tag} has {preamble.SegmentCount} segments";
        }

        return null;
    }
}
