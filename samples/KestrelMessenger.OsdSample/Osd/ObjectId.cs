using KestrelMessenger.Messages.Osd;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>
/// An object's identity, as Ceph's <c>hobject_t</c> has it for the head: pool, namespace, locator key
/// and name. Two writes that differ only in the locator key address two objects. As in Ceph, a key
/// equal to the name is no key (<c>hobject_t</c> stores it empty), so it names the same object.
/// </summary>
/// <param name="Pool">Pool id.</param>
/// <param name="Namespace">RADOS namespace; empty for the default.</param>
/// <param name="Key">Locator key, hashed for placement instead of the name; empty for none.</param>
/// <param name="Name">Object name.</param>
public readonly record struct ObjectId(long Pool, string Namespace, string Key, string Name)
{
    /// <summary>The identity of the object <paramref name="request"/> addresses.</summary>
    public static ObjectId Of(MOSDOp request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Create(request.Pool, request.Namespace, request.Key, request.ObjectName);
    }

    /// <summary>An identity with the key normalised the way <c>hobject_t</c>'s constructor does it.</summary>
    public static ObjectId Create(long pool, string ns, string key, string name) =>
        new(pool, ns, key == name ? "" : key, name);

    /// <summary>The 32-bit placement hash: rjenkins of the key (or the name), namespace-prefixed.</summary>
    public uint Hash => Placement.ObjectHash(Namespace, Key, Name);

    /// <summary>The head <c>hobject_t</c>, for ordering and listing.</summary>
    public HObject ToHObject() => new(Pool, Hash, Namespace, Key, Name, HObject.NoSnap, false);

    /// <inheritdoc />
    public override string ToString() => $"{Pool}:{Namespace}:{Key}:{Name}";
}
