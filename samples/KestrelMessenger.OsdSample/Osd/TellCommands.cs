using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary>A command's answer: result, status line, output (an MCommandReply's fields).</summary>
public sealed record CommandResult(int Result, string Status, byte[] Output);

/// <summary>
/// The commands this OSD answers over MCommand (<c>ceph tell osd.N …</c>), the way Ceph 16.2's
/// admin-socket command table answers them (AdminSocket::execute_command): the command strings are
/// concatenated and parsed as one JSON object; <c>prefix</c> names the command and <c>format</c> the
/// output (json-pretty unless "json" is asked for). The real CLI first asks for
/// <c>get_command_descriptions</c> and checks the command against them itself, so both are served.
/// A pure function of the command.
/// </summary>
public static class TellCommands
{
    /// <summary>What <c>version</c> reports: this sample, never a Ceph release it is not.</summary>
    public static string Version { get; } = "KestrelMessenger OSD sample " +
        (typeof(TellCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    /// <summary>The Ceph release whose wire protocol this OSD speaks.</summary>
    public const string Release = "pacific";

    /// <summary>
    /// Ceph derives the release type from the version's minor number (x.0 dev, x.1 rc, x.2 stable); by
    /// that rule this sample's 1.0 is a development release.
    /// </summary>
    public const string ReleaseType = "dev";

    // prefix → help, in the order get_command_descriptions lists them (sorted, as Ceph's table is).
    private static readonly (string Prefix, string Help)[] Commands =
    [
        ("get_command_descriptions", "list available commands"),
        ("version", "get ceph version"),
    ];

    /// <summary>Runs <paramref name="command"/>.</summary>
    public static CommandResult Execute(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string? prefix, format;
        try
        {
            using JsonDocument json = JsonDocument.Parse(string.Concat(command));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Fail("invalid json");
            }

            if (!TryGetString(json.RootElement, "prefix", out prefix) || !TryGetString(json.RootElement, "format", out format))
            {
                return Fail("invalid json, missing format and/or prefix");
            }
        }
        catch (JsonException)
        {
            return Fail("invalid json");
        }

        if (format is "xml" or "xml-pretty" or "table" or "table-kv" or "html" or "html-pretty")
        {
            return Fail($"format '{format}' is not supported by this OSD; use json or json-pretty");
        }

        bool pretty = format != "json";
        return prefix switch
        {
            "version" => Ok(pretty, w =>
            {
                w.WriteString("version", Version);
                w.WriteString("release", Release);
                w.WriteString("release_type", ReleaseType);
            }),
            "get_command_descriptions" => Ok(pretty, w =>
            {
                for (int i = 0; i < Commands.Length; i++)
                {
                    w.WriteStartObject($"cmd{i:D3}");
                    w.WriteStartArray("sig");
                    w.WriteStringValue(Commands[i].Prefix);
                    w.WriteEndArray();
                    w.WriteString("help", Commands[i].Help);
                    w.WriteEndObject();
                }
            }),
            _ => Fail($"unknown command prefix {prefix}"),
        };
    }

    private static bool TryGetString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out JsonElement e))
        {
            return true; // absent is fine: an absent prefix names no command
        }

        value = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return value is not null;
    }

    private static CommandResult Fail(string status) => new(Errno.EINVAL, status, []);

    /// <summary>
    /// One JSON object, pretty (4-space indent and a final newline, as Ceph's json-pretty) or compact. Only
    /// what JSON requires is escaped, as Ceph's formatter does (this is not HTML).
    /// </summary>
    private static CommandResult Ok(bool pretty, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = pretty, IndentSize = 4, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        if (pretty)
        {
            buffer.Write("\n"u8);
        }

        return new CommandResult(0, "", buffer.ToArray());
    }

    /// <summary>The output as text.</summary>
    public static string Text(this CommandResult result) => Encoding.UTF8.GetString(result?.Output ?? []);
}
