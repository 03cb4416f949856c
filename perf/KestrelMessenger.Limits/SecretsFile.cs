using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Limits;

/// <summary>
/// Hands the OSD's rotating secrets from the script to both processes: the server's keyring verifies
/// tickets with them, the driver's in-process monitor mints the OSD ticket under them. That is all the
/// two share; the client's own key never leaves the driver, since the "monitor" that checks it lives
/// there too (and an OSD never holds a client's key). One line, <c>osd BASE64</c>, the secrets in Ceph's
/// encoding; the file is created mode 600 and never overwritten.
/// </summary>
internal static class SecretsFile
{
    private const string Prefix = "osd ";

    public static void Write(string path, RotatingSecrets secrets)
    {
        using var encoded = new DencWriter(256);
        secrets.Encode(encoded);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // created so, never chmod-ed after
        }

        using var writer = new StreamWriter(path, options);
        writer.WriteLine(Prefix + Convert.ToBase64String(encoded.WrittenSpan));
    }

    /// <exception cref="InvalidDataException">The file is missing, unreadable or not what <see cref="Write"/> writes.</exception>
    public static RotatingSecrets Read(string path)
    {
        try
        {
            string line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
                ?? throw new InvalidDataException($"no '{Prefix.Trim()}' line");
            var reader = new DencReader(Convert.FromBase64String(line[Prefix.Length..]));
            return RotatingSecrets.Decode(ref reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or DecodeException)
        {
            throw new InvalidDataException($"secrets file {path}: {e.Message}", e);
        }
    }
}
