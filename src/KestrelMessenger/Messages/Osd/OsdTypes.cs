using System.Globalization;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages.Osd;

/// <summary>
/// A placement group id (<c>pg_t</c>): pool and placement seed. 17 bytes on the wire: u8 1, le64 pool,
/// le32 seed, le32 -1 (the long-gone "preferred" OSD, always written as -1 and ignored when read).
/// </summary>
/// <param name="Pool">Pool id.</param>
/// <param name="Seed">Placement seed: the object hash folded by <c>stable_mod</c> into pg_num.</param>
public readonly record struct PgId(long Pool, uint Seed)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int EncodedSize = 17;

    /// <summary>Writes the 17-byte form.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteI64(Pool);
        writer.WriteU32(Seed);
        writer.WriteI32(-1);
    }

    /// <summary>Reads the 17-byte form.</summary>
    public static PgId Decode(ref DencReader reader)
    {
        // Only version 1 was ever written; like Ceph, the byte is not checked.
        reader.Skip(1);
        var pg = new PgId(reader.ReadI64(), reader.ReadU32());
        reader.Skip(4);
        return pg;
    }

    /// <summary>Ceph's notation: pool, dot, seed in hex (<c>1.7</c>, <c>2.1f</c>).</summary>
    public override string ToString() => Pool.ToString(CultureInfo.InvariantCulture) + "." + Seed.ToString("x", CultureInfo.InvariantCulture);
}

/// <summary>
/// Where an object lives (<c>object_locator_t</c>, ENCODE_START v6 compat 3): pool, optional locator key,
/// namespace, and an explicit placement hash that replaces hashing the name (-1 = none).
/// </summary>
/// <param name="Pool">Pool id.</param>
/// <param name="Key">Locator key hashed instead of the object name; empty for none.</param>
/// <param name="Namespace">RADOS namespace; empty for the default.</param>
/// <param name="Hash">Explicit placement hash, or -1.</param>
public readonly record struct ObjectLocator(long Pool, string Key = "", string Namespace = "", long Hash = -1)
{
    /// <summary>Writes the versioned struct.</summary>
    public void Encode(DencWriter writer)
    {
        // Decoders older than v6 would silently ignore an explicit hash, so one forces compat 6.
        StructToken token = writer.BeginStruct(6, Hash == -1 ? (byte)3 : (byte)6);
        writer.WriteI64(Pool);
        writer.WriteI32(-1);
        writer.WriteString(Key ?? "");
        writer.WriteString(Namespace ?? "");
        writer.WriteI64(Hash);
        writer.EndStruct(token);
    }

    /// <summary>Reads the versioned struct (v3 and later; older ones lack struct_len).</summary>
    public static ObjectLocator Decode(ref DencReader reader)
    {
        StructHeader header = reader.BeginStruct(6, "object_locator_t");
        if (header.Version < 3)
        {
            throw new DecodeException($"object_locator_t v{header.Version} predates struct_len and is not decoded");
        }

        long pool = reader.ReadI64();
        reader.Skip(4);
        string key = reader.ReadString();
        string nspace = header.Version >= 5 ? reader.ReadString() : "";
        long hash = header.Version >= 6 ? reader.ReadI64() : -1;
        reader.EndStruct(header);
        return new ObjectLocator(pool, key, nspace, hash);
    }
}

/// <summary>
/// A request id (<c>osd_reqid_t</c>, ENCODE_START v2 compat 2; 27 bytes): the client, its tid and
/// incarnation. Modern clients send it all zero and the OSD derives it (see <see cref="MOSDOp.EffectiveReqId"/>).
/// </summary>
/// <param name="Name">The client (<c>entity_name_t</c>).</param>
/// <param name="Tid">The client's transaction id.</param>
/// <param name="Inc">The client's incarnation.</param>
public readonly record struct OsdReqId(EntityName Name, ulong Tid, int Inc)
{
    /// <summary>True when every field is zero, as librados sends it.</summary>
    public bool IsEmpty => Name == default && Tid == 0;

    /// <summary>Writes the versioned struct.</summary>
    public void Encode(DencWriter writer)
    {
        StructToken token = writer.BeginStruct(2, 2);
        Name.Encode(writer);
        writer.WriteU64(Tid);
        writer.WriteI32(Inc);
        writer.EndStruct(token);
    }

    /// <summary>Reads the versioned struct.</summary>
    public static OsdReqId Decode(ref DencReader reader)
    {
        StructHeader header = reader.BeginStruct(2, "osd_reqid_t");
        var id = new OsdReqId(EntityName.Decode(ref reader), reader.ReadU64(), reader.ReadI32());
        reader.EndStruct(header);
        return id;
    }

    /// <summary>Ceph's notation, <c>client.4123.0:17</c>.</summary>
    public override string ToString() => $"{Name}.{Inc.ToString(CultureInfo.InvariantCulture)}:{Tid.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A PG log version (<c>eversion_t</c>). On the wire the version comes first: le64 version, le32 epoch.</summary>
/// <param name="Epoch">OSDMap epoch of the change.</param>
/// <param name="Version">Version within the PG log.</param>
public readonly record struct EVersion(uint Epoch, ulong Version)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int EncodedSize = 12;

    /// <summary>Writes the 12-byte form.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU64(Version);
        writer.WriteU32(Epoch);
    }

    /// <summary>Reads the 12-byte form.</summary>
    public static EVersion Decode(ref DencReader reader)
    {
        ulong version = reader.ReadU64();
        return new EVersion(reader.ReadU32(), version);
    }

    /// <summary>Ceph's notation, <c>epoch'version</c>.</summary>
    public override string ToString() => $"{Epoch.ToString(CultureInfo.InvariantCulture)}'{Version.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The blkin/zipkin trace ids a message carries (<c>blkin_trace_info</c>, three le64). Ceph always
/// encodes them in MOSDOp v8 and MOSDOpReply v8, as zeros when tracing is off.
/// </summary>
/// <param name="TraceId">Trace id.</param>
/// <param name="SpanId">Span id.</param>
/// <param name="ParentSpanId">Parent span id.</param>
public readonly record struct BlkinTrace(ulong TraceId, ulong SpanId, ulong ParentSpanId)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int EncodedSize = 24;

    /// <summary>Writes the 24-byte form.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU64(TraceId);
        writer.WriteU64(SpanId);
        writer.WriteU64(ParentSpanId);
    }

    /// <summary>Reads the 24-byte form.</summary>
    public static BlkinTrace Decode(ref DencReader reader) => new(reader.ReadU64(), reader.ReadU64(), reader.ReadU64());
}

/// <summary>
/// Where an OSD tells the client to resend (<c>request_redirect_t</c>, ENCODE_START v1 compat 1):
/// a locator, an object name (empty = same object), then an always-empty legacy bufferlist.
/// </summary>
/// <param name="Locator">The locator to resend with.</param>
/// <param name="ObjectName">The object to resend to; empty for the same name.</param>
public sealed record RequestRedirect(ObjectLocator Locator, string ObjectName = "")
{
    /// <summary>Writes the versioned struct.</summary>
    public void Encode(DencWriter writer)
    {
        StructToken token = writer.BeginStruct(1, 1);
        Locator.Encode(writer);
        writer.WriteString(ObjectName);
        writer.WriteU32(0);
        writer.EndStruct(token);
    }

    /// <summary>Reads the versioned struct; the legacy bufferlist is skipped.</summary>
    public static RequestRedirect Decode(ref DencReader reader)
    {
        StructHeader header = reader.BeginStruct(1, "request_redirect_t");
        var redirect = new RequestRedirect(ObjectLocator.Decode(ref reader), reader.ReadString());
        reader.EndStruct(header);
        return redirect;
    }
}
