namespace KestrelMessenger.Wire;

/// <summary>
/// <c>CEPH_FEATURE_*</c> masks (the 64-bit supported/required fields of CLIENT_IDENT and SERVER_IDENT).
/// A feature's mask is its bit plus its incarnation bits; a peer has it when every bit of the mask is set.
/// </summary>
public static class CephFeatures
{
    /// <summary><c>CEPH_FEATURES_ALL</c> of Ceph 16.2.15 (Pacific), as its daemons and CLI advertise it.</summary>
    public const ulong All = 0x3f01cfbdfffdffff;

    /// <summary>SERVER_JEWEL (bit 57): incarnation 2.</summary>
    public const ulong Incarnation2 = 1UL << 57;

    /// <summary>SERVER_JEWEL + SERVER_MIMIC (bits 57, 28): incarnation 3.</summary>
    public const ulong Incarnation3 = (1UL << 57) | (1UL << 28);

    /// <summary>MSG_ADDR2 (bit 59): msgr2 requires it of every peer.</summary>
    public const ulong MsgAddr2 = 1UL << 59;

    /// <summary>SERVER_NAUTILUS (bit 2, incarnation 3).</summary>
    public const ulong ServerNautilus = (1UL << 2) | Incarnation3;

    /// <summary>MSGR_KEEPALIVE2 (bit 42).</summary>
    public const ulong MsgrKeepalive2 = 1UL << 42;

    /// <summary>The features msgr2 frames are always encoded with (<c>msgr2_frame_assumed</c>).</summary>
    public const ulong Msgr2FrameAssumed = MsgAddr2 | ServerNautilus;

    /// <summary>What a Pacific monitor requires of clients on a default cluster (CRUSH tunables, ADDR2).</summary>
    public const ulong PacificMonClientRequired = 0x0c01020002040000;

    /// <summary>True when <paramref name="features"/> has every bit of <paramref name="mask"/>.</summary>
    public static bool Has(ulong features, ulong mask) => (features & mask) == mask;

    /// <summary>The bits of <paramref name="required"/> that <paramref name="supported"/> lacks.</summary>
    public static ulong Missing(ulong required, ulong supported) => required & ~supported;
}

/// <summary>msgr2 banner feature bits (a namespace of their own, not CEPH_FEATURE_*).</summary>
public static class Msgr2Features
{
    /// <summary>msgr2.1 framing (<c>CEPH_MSGR2_FEATURE_REVISION_1</c>).</summary>
    public const ulong Revision1 = 0x1;

    /// <summary>On-wire compression: Quincy and later only, never advertised to Pacific.</summary>
    public const ulong Compression = 0x2;
}
