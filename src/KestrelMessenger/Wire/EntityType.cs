namespace KestrelMessenger.Wire;

/// <summary>Ceph's <c>CEPH_ENTITY_TYPE_*</c>: a u8 in HELLO and <c>entity_name_t</c>, a u32 in the auth-layer name.</summary>
public enum EntityType : byte
{
    /// <summary>Unset.</summary>
    None = 0x00,
    /// <summary>A monitor.</summary>
    Mon = 0x01,
    /// <summary>A metadata server.</summary>
    Mds = 0x02,
    /// <summary>An object storage daemon.</summary>
    Osd = 0x04,
    /// <summary>A client (librados, the CLI, the kernel).</summary>
    Client = 0x08,
    /// <summary>A manager daemon.</summary>
    Mgr = 0x10,
    /// <summary>Only used in cephx key and ticket masks.</summary>
    Auth = 0x20,
    /// <summary>Matches any type.</summary>
    Any = 0xFF,
}

/// <summary>Ceph's short names for entity types ("osd", "client", …).</summary>
public static class EntityTypes
{
    /// <summary>The name Ceph prints for <paramref name="type"/>.</summary>
    public static string Name(EntityType type) => type switch
    {
        EntityType.Mon => "mon",
        EntityType.Mds => "mds",
        EntityType.Osd => "osd",
        EntityType.Client => "client",
        EntityType.Mgr => "mgr",
        EntityType.Auth => "auth",
        EntityType.Any => "any",
        _ => "unknown",
    };

    /// <summary>
    /// True for the types a daemon or client can be on the wire (HELLO, <c>entity_name_t</c>): mon, mds,
    /// osd, client, mgr. Auth and Any only ever appear in key and ticket masks.
    /// </summary>
    public static bool IsPeerType(EntityType type) =>
        type is EntityType.Mon or EntityType.Mds or EntityType.Osd or EntityType.Client or EntityType.Mgr;

    /// <summary>Parses "osd", "client", …; returns false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out EntityType type)
    {
        type = name switch
        {
            "mon" => EntityType.Mon,
            "mds" => EntityType.Mds,
            "osd" => EntityType.Osd,
            "client" => EntityType.Client,
            "mgr" => EntityType.Mgr,
            "auth" => EntityType.Auth,
            _ => EntityType.None,
        };
        return type != EntityType.None;
    }
}
