using System.Globalization;

namespace KestrelMessenger.Wire;

/// <summary>
/// The msg-layer name <c>entity_name_t</c>: a type and a number (<c>osd.3</c>, <c>client.4097</c>).
/// On the wire it is 9 bytes: u8 type, le64 num. Not to be confused with <see cref="AuthEntityName"/>.
/// </summary>
public readonly record struct EntityName(EntityType Type, long Num)
{
    /// <summary>The number a not-yet-named entity carries (librados sends -1 until it has a global id).</summary>
    public const long New = -1;

    /// <summary>Encoded size in bytes.</summary>
    public const int EncodedSize = 9;

    /// <summary><c>osd.<paramref name="id"/></c>.</summary>
    public static EntityName Osd(long id) => new(EntityType.Osd, id);

    /// <summary><c>mon.<paramref name="rank"/></c>.</summary>
    public static EntityName Mon(long rank) => new(EntityType.Mon, rank);

    /// <summary><c>client.<paramref name="id"/></c>.</summary>
    public static EntityName Client(long id = New) => new(EntityType.Client, id);

    /// <summary><c>mgr.<paramref name="id"/></c>.</summary>
    public static EntityName Mgr(long id) => new(EntityType.Mgr, id);

    /// <summary>Writes the 9-byte form.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU8((byte)Type);
        writer.WriteI64(Num);
    }

    /// <summary>Reads the 9-byte form.</summary>
    public static EntityName Decode(ref DencReader reader) => new((EntityType)reader.ReadU8(), reader.ReadI64());

    /// <summary>Parses <c>type.num</c>, for example <c>osd.0</c> or <c>client.-1</c>.</summary>
    public static EntityName Parse(string text) => TryParseCore(text, out EntityName name)
        ? name
        : throw new FormatException($"'{text}' is not an entity name of the form type.number (for example osd.0)");

    /// <summary>Parses <c>type.num</c>; returns false when it is not one.</summary>
    public static bool TryParse(string text, out EntityName name) => TryParseCore(text, out name);

    internal static bool TryParseCore(string text, out EntityName name)
    {
        name = default;
        int dot = text.IndexOf('.');
        if (dot <= 0
            || !EntityTypes.TryParse(text.AsSpan(0, dot), out EntityType type)
            || !long.TryParse(text.AsSpan(dot + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long num))
        {
            return false;
        }

        name = new EntityName(type, num);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{EntityTypes.Name(Type)}.{Num.ToString(CultureInfo.InvariantCulture)}";
}
