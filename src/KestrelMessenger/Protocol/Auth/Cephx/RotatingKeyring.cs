using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// A daemon's rotating service secrets (Ceph's <c>RotatingKeyRing</c>): the keys its service tickets
/// are encrypted with, by secret_id. Only the daemon's own service is held. Thread-safe: readers see
/// one immutable <see cref="RotatingSecrets"/> snapshot, and <see cref="SetSecrets"/> swaps in a new
/// one when GET_ROTATING_KEY brings fresh secrets.
/// </summary>
public sealed class RotatingKeyring
{
    private static readonly RotatingSecrets NoSecrets = new([], 0);
    private RotatingSecrets _secrets;

    /// <summary>Creates a keyring for <paramref name="service"/>, optionally with secrets already known.</summary>
    public RotatingKeyring(EntityType service, RotatingSecrets? secrets = null)
    {
        Service = service;
        _secrets = secrets ?? NoSecrets;
    }

    /// <summary>The daemon's service (osd, mgr, mds).</summary>
    public EntityType Service { get; }

    /// <summary>The secrets held now.</summary>
    public RotatingSecrets Secrets => Volatile.Read(ref _secrets);

    /// <summary>Replaces the secrets (Ceph replaces the whole set too).</summary>
    public void SetSecrets(RotatingSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        Volatile.Write(ref _secrets, secrets);
    }

    /// <summary>
    /// <c>RotatingKeyRing::get_service_secret</c>: the secret <paramref name="secretId"/> of
    /// <paramref name="serviceId"/>; false for another service or an id not held.
    /// </summary>
    public bool TryGetSecret(uint serviceId, ulong secretId, out ExpiringCryptoKey secret)
    {
        secret = null!;
        if (serviceId != (uint)Service)
        {
            return false;
        }

        foreach (KeyValuePair<ulong, ExpiringCryptoKey> entry in Secrets.Secrets)
        {
            if (entry.Key == secretId)
            {
                secret = entry.Value;
                return true;
            }
        }

        return false;
    }

    /// <summary><see cref="RotatingSecrets.NeedNewSecrets"/> on the held set.</summary>
    public bool NeedNewSecrets(UTime cutoff) => Secrets.NeedNewSecrets(cutoff);
}
