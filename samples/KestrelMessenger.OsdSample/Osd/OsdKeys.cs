using KestrelMessenger.Config;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>osd.N's cephx key, found as ceph-osd finds it, and the check that the auth settings can work with what was found.</summary>
public static class OsdKeys
{
    /// <summary>
    /// The key for osd.N from the <c>keyring</c> search list, when cephx may be used (an auth list names
    /// it, or is unset and so defaults to it). Null without a keyring option: like Ceph without a
    /// keyring, the OSD then speaks auth none. A keyring that is named but missing, or lacks osd.N, is an error.
    /// </summary>
    public static CryptoKey? Load(OsdOptions options)
    {
        if (options.Keyring is not string search || !MayUseCephx(options))
        {
            return null;
        }

        string entity = $"osd.{options.Id}";
        string path = Keyring.ResolveFileSearch(search)
            ?? throw new OsdConfigException($"keyring: none of '{search}' can be read, so {entity} has no key");
        return Keyring.Load(path)[AuthEntityName.Parse(entity)]?.Key
            ?? throw new OsdConfigException($"keyring {path} has no key for {entity} (ceph auth get-or-create {entity} …)");
    }

    /// <summary>Fails start, naming the option, when the auth lists ask for a method this OSD cannot speak (cephx without a key).</summary>
    public static void Validate(OsdOptions options, CryptoKey? key)
    {
        var auth = new AuthOptions();
        OsdConfig.ApplyAuth(options, auth);
        var registry = new AuthRegistry(auth, EntityType.Osd, key is null ? [AuthMethod.None] : [AuthMethod.Cephx, AuthMethod.None]);
        if (registry.Problems.Count > 0)
        {
            throw new OsdConfigException($"{string.Join("; ", registry.Problems)}: set keyring to a file with osd.{options.Id}'s key");
        }
    }

    private static bool MayUseCephx(OsdOptions options)
    {
        string[] lists = options.Auth.TryGetValue("auth_supported", out string? supported)
            ? [supported]
            : [.. new[] { "auth_cluster_required", "auth_service_required", "auth_client_required" }
                .Select(name => options.Auth.GetValueOrDefault(name, "cephx"))];
        return lists.Any(list => AuthRegistry.ParseMethods(list, "auth").Contains(AuthMethod.Cephx));
    }
}
