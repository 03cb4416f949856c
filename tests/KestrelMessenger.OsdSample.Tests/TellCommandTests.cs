using System.Text.Json;
using KestrelMessenger.OsdSample.Demo;
using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Testing;
using KestrelMessenger.Transport;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// <c>ceph tell osd.N …</c> (issue 8, item 12): MCommand gets an MCommandReply, as from Ceph 16.2's
/// admin-socket command table. The live-monitor checks with the real CLI are in RealClusterTests.
/// </summary>
public class TellCommandTests
{
    private const int EINVAL = -22;

    public static TheoryData<string[], string> Refused => new()
    {
        { ["{\"prefix\": \"no-such-command\"}"], "unknown command prefix no-such-command" },
        { ["{\"noprefix\": 1}"], "unknown command prefix " },
        { ["not json"], "invalid json" },
        { ["[\"version\"]"], "invalid json" },
        { ["{\"prefix\": 7}"], "invalid json, missing format and/or prefix" },
        { ["{\"prefix\": \"version\", \"format\": \"xml\"}"], "format 'xml' is not supported by this OSD; use json or json-pretty" },
        { [], "invalid json" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Unknown_or_malformed_commands_get_einval_with_the_reason(string[] command, string status)
    {
        CommandResult result = TellCommands.Execute(command);
        Assert.Equal((EINVAL, status, 0), (result.Result, result.Status, result.Output.Length));
    }

    [Fact]
    public void Version_is_json_pretty_by_default_and_compact_when_json_is_asked_for()
    {
        CommandResult pretty = TellCommands.Execute(["{\"prefix\": \"version\"}"]);
        Assert.Equal((0, ""), (pretty.Result, pretty.Status));
        Assert.Equal($"{{\n    \"version\": \"{TellCommands.Version}\",\n    \"release\": \"pacific\",\n    \"release_type\": \"dev\"\n}}\n", pretty.Text());

        // The command strings are one JSON object together, however they are split.
        CommandResult compact = TellCommands.Execute(["{\"prefix\": \"vers", "ion\", \"format\": \"json\"}"]);
        Assert.Equal($"{{\"version\":\"{TellCommands.Version}\",\"release\":\"pacific\",\"release_type\":\"dev\"}}", compact.Text());
        Assert.StartsWith("KestrelMessenger OSD sample ", TellCommands.Version);
    }

    [Fact]
    public void Command_descriptions_are_what_the_ceph_cli_validates_against()
    {
        CommandResult result = TellCommands.Execute(["{\"prefix\": \"get_command_descriptions\"}"]);
        using JsonDocument json = JsonDocument.Parse(result.Text());
        Dictionary<string, string> sigs = json.RootElement.EnumerateObject().ToDictionary(
            p => p.Value.GetProperty("sig")[0].GetString()!, p => p.Name);
        Assert.Equal(["get_command_descriptions", "version"], sigs.Keys.Order());
        Assert.Equal(["cmd000", "cmd001"], sigs.Values.Order());
        Assert.Equal("get ceph version", json.RootElement.GetProperty(sigs["version"]).GetProperty("help").GetString());
    }

    [Fact]
    public async Task An_osd_answers_mcommand_on_its_public_messenger_over_tcp()
    {
        await using LocalCluster cluster = Clusters.Create(TransportKind.Tcp, out IMessengerTransport transport);
        OsdInfo osd = (await cluster.StartAsync(0)).Info!;
        await using var tell = new TellClient(transport);

        (int result, string status, string output) = await tell.TellAsync(osd, "{\"prefix\": \"version\"}");
        Assert.Equal((0, ""), (result, status));
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(TellCommands.Version, json.RootElement.GetProperty("version").GetString());

        Assert.Equal((EINVAL, "unknown command prefix no-such-command", ""), await tell.TellAsync(osd, "{\"prefix\": \"no-such-command\"}"));
        Assert.Equal((EINVAL, "invalid json", ""), await tell.TellAsync(osd, "{"));
    }
}
