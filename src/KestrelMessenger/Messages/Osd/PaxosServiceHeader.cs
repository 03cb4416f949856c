using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// The 18 bytes every PaxosServiceMessage (MOSDBoot, MOSDBeacon, MMonCommand …) starts with: le64
/// version (the sender's map epoch), le16 deprecated_session_mon (-1) and le64 deprecated_session_mon_tid (0).
/// </summary>
public readonly record struct PaxosServiceHeader(ulong Version, short SessionMon = -1, ulong SessionMonTid = 0)
{
    /// <summary>Writes the 18 bytes.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU64(Version);
        writer.WriteU16((ushort)SessionMon);
        writer.WriteU64(SessionMonTid);
    }

    /// <summary>Reads the 18 bytes.</summary>
    public static PaxosServiceHeader Decode(ref DencReader reader) => new(reader.ReadU64(), (short)reader.ReadU16(), reader.ReadU64());
}
