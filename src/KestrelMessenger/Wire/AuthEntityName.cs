namespace KestrelMessenger.Wire;

/// <summary>
/// The auth-layer name <c>EntityName</c> (<c>client.admin</c>, <c>osd.0</c>): a u32 type and a string
/// id, used inside AUTH payloads and keyrings.
/// </summary>
public readonly record struct AuthEntityName(EntityType Type, string Id)
{
    /// <summary>Writes le32 type + string id.</summary>
    public void Encode(DencWriter writer)
    {
        writer.WriteU32((uint)Type);
        writer.WriteString(Id);
    }

    /// <summary>Reads le32 type + string id.</summary>
    public static AuthEntityName Decode(ref DencReader reader)
    {
        uint type = reader.ReadU32();
        if (type > byte.MaxValue)
        {
            throw new DecodeException($"entity type {type} is out of range");
        }

        return new AuthEntityName((EntityType)type, reader.ReadString());
    }

    /// <summary>Parses <c>type.id</c>, for example <c>client.admin</c>.</summary>
    public static AuthEntityName Parse(string text)
    {
        int dot = text.IndexOf('.');
        if (dot <= 0 || !EntityTypes.TryParse(text.AsSpan(0, dot), out EntityType type))
        {
            throw new FormatException($"'{text}' is not an auth name of the form type.id (for example client.admin)");
        }

        return new AuthEntityName(type, text[(dot + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{EntityTypes.Name(Type)}.{Id}";
}
