using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol;

/// <summary>Which methods and modes apply between which entity types: Ceph's AuthRegistry rules.</summary>
public class AuthRegistryTests
{
    private static readonly uint[] Both = [AuthMethod.Cephx, AuthMethod.None];

    public static TheoryData<EntityType, EntityType, string> ModeOptionUsed => new()
    {
        // me, peer, the option whose list applies
        { EntityType.Client, EntityType.Mon, "ms_mon_client_mode" },
        { EntityType.Client, EntityType.Osd, "ms_client_mode" },
        { EntityType.Client, EntityType.Mgr, "ms_client_mode" },
        { EntityType.Mon, EntityType.Mon, "ms_mon_cluster_mode" },
        { EntityType.Mon, EntityType.Osd, "ms_mon_service_mode" },
        { EntityType.Mon, EntityType.Client, "ms_mon_service_mode" },
        { EntityType.Osd, EntityType.Mon, "ms_cluster_mode" },
        { EntityType.Osd, EntityType.Osd, "ms_cluster_mode" },
        { EntityType.Osd, EntityType.Mgr, "ms_cluster_mode" },
        { EntityType.Osd, EntityType.Mds, "ms_cluster_mode" },
        { EntityType.Osd, EntityType.Client, "ms_service_mode" },
        { EntityType.Mgr, EntityType.Client, "ms_service_mode" },
    };

    [Theory]
    [MemberData(nameof(ModeOptionUsed))]
    public void Each_pair_of_entity_types_takes_its_modes_from_the_option_Ceph_uses(EntityType me, EntityType peer, string option)
    {
        // Give every option a distinct list, so the one that applies shows in the answer.
        var options = new AuthOptions
        {
            MonClientMode = "secure",
            ClientMode = "crc",
            MonClusterMode = "secure crc",
            MonServiceMode = "crc secure",
            ClusterMode = "secure secure crc",
            ServiceMode = "crc crc secure",
        };
        string expected = option switch
        {
            "ms_mon_client_mode" => options.MonClientMode,
            "ms_client_mode" => options.ClientMode,
            "ms_mon_cluster_mode" => options.MonClusterMode,
            "ms_mon_service_mode" => options.MonServiceMode,
            "ms_cluster_mode" => options.ClusterMode,
            _ => options.ServiceMode,
        };

        var registry = new AuthRegistry(options, me, Both);

        Assert.Equal(AuthRegistry.ParseModes(expected, option), registry.Modes(peer, AuthMethod.Cephx));
    }

    public static TheoryData<EntityType, EntityType, string> MethodOptionUsed => new()
    {
        { EntityType.Client, EntityType.Mon, "auth_client_required" },
        { EntityType.Client, EntityType.Osd, "auth_client_required" },
        { EntityType.Mon, EntityType.Mon, "auth_cluster_required" },
        { EntityType.Mon, EntityType.Osd, "auth_service_required" },
        { EntityType.Mon, EntityType.Client, "auth_service_required" },
        { EntityType.Osd, EntityType.Mon, "auth_cluster_required" },
        { EntityType.Osd, EntityType.Osd, "auth_cluster_required" },
        { EntityType.Osd, EntityType.Client, "auth_service_required" },
    };

    [Theory]
    [MemberData(nameof(MethodOptionUsed))]
    public void Each_pair_of_entity_types_takes_its_methods_from_the_option_Ceph_uses(EntityType me, EntityType peer, string option)
    {
        var options = new AuthOptions { AuthClientRequired = "none", AuthClusterRequired = "cephx", AuthServiceRequired = "none, cephx" };
        uint[] expected = AuthRegistry.ParseMethods(option switch
        {
            "auth_client_required" => options.AuthClientRequired,
            "auth_cluster_required" => options.AuthClusterRequired,
            _ => options.AuthServiceRequired,
        }, option);

        Assert.Equal(expected, new AuthRegistry(options, me, Both).Methods(peer));
    }

    [Fact]
    public void Auth_none_allows_crc_mode_only_whatever_the_mode_list_says()
    {
        var registry = new AuthRegistry(new AuthOptions { ClientMode = "secure crc" }, EntityType.Client, Both);

        Assert.Equal([ConnectionMode.Crc], registry.Modes(EntityType.Osd, AuthMethod.None));
        Assert.Equal([ConnectionMode.Secure, ConnectionMode.Crc], registry.Modes(EntityType.Osd, AuthMethod.Cephx));
    }

    [Theory]
    [InlineData("secure crc", new uint[] { 2, 1 }, ConnectionMode.Secure)] // the client's order decides, not ours
    [InlineData("secure crc", new uint[] { 1, 2 }, ConnectionMode.Crc)]
    [InlineData("crc", new uint[] { 2, 1 }, ConnectionMode.Crc)]
    [InlineData("secure", new uint[] { 1 }, ConnectionMode.Unknown)]
    [InlineData("crc secure", new uint[] { 3, 7 }, ConnectionMode.Unknown)]
    public void The_server_picks_the_first_of_the_clients_modes_it_allows(string serviceModes, uint[] offered, ConnectionMode picked)
    {
        var registry = new AuthRegistry(new AuthOptions { ServiceMode = serviceModes }, EntityType.Osd, Both);

        Assert.Equal(picked, registry.PickMode(EntityType.Client, AuthMethod.Cephx, offered.Select(m => (ConnectionMode)m)));
    }

    [Fact]
    public void A_method_the_peer_type_may_not_use_picks_no_mode()
    {
        var registry = new AuthRegistry(new AuthOptions { AuthServiceRequired = "cephx" }, EntityType.Osd, Both);

        Assert.Equal(ConnectionMode.Unknown, registry.PickMode(EntityType.Client, AuthMethod.None, [ConnectionMode.Crc]));
    }

    [Fact]
    public void Unset_method_lists_take_cephs_defaults_when_cephx_is_available_and_none_when_it_is_not()
    {
        var withKey = new AuthRegistry(new AuthOptions(), EntityType.Osd, Both);
        var withoutKey = new AuthRegistry(new AuthOptions(), EntityType.Osd, [AuthMethod.None]);
        var client = new AuthRegistry(new AuthOptions(), EntityType.Client, Both);

        Assert.Equal([AuthMethod.Cephx], withKey.Methods(EntityType.Mon));
        Assert.Equal([AuthMethod.Cephx], withKey.Methods(EntityType.Client));
        Assert.Equal([AuthMethod.Cephx, AuthMethod.None], client.Methods(EntityType.Mon));
        Assert.Equal([AuthMethod.None], withoutKey.Methods(EntityType.Mon));
        Assert.Empty(withKey.Problems);
        Assert.Empty(withoutKey.Problems);
    }

    [Fact]
    public void A_list_set_to_methods_we_cannot_speak_is_a_problem_named_by_its_option()
    {
        var registry = new AuthRegistry(new AuthOptions { AuthClusterRequired = "cephx" }, EntityType.Osd, [AuthMethod.None]);

        string problem = Assert.Single(registry.Problems);
        Assert.StartsWith("auth_cluster_required = cephx, but this process can speak only none", problem);
        Assert.Empty(registry.Methods(EntityType.Osd));
    }

    [Fact]
    public void Auth_supported_overrides_all_three_lists()
    {
        var registry = new AuthRegistry(new AuthOptions { AuthSupported = "none", AuthClusterRequired = "cephx" }, EntityType.Osd, Both);

        Assert.Equal([AuthMethod.None], registry.Methods(EntityType.Osd));
        Assert.Equal([AuthMethod.None], registry.Methods(EntityType.Client));
    }

    [Theory]
    [InlineData("cephx,none", new uint[] { 2, 1 })]
    [InlineData(" cephx ;  none ", new uint[] { 2, 1 })]
    [InlineData("none cephx", new uint[] { 1, 2 })]
    public void Method_lists_split_on_commas_semicolons_and_spaces(string list, uint[] methods) =>
        Assert.Equal(methods, AuthRegistry.ParseMethods(list, "auth_client_required"));

    [Fact]
    public void An_unknown_mode_is_refused_naming_the_option()
    {
        var e = Assert.Throws<FormatException>(() => new AuthRegistry(new AuthOptions { ClusterMode = "crc fast" }, EntityType.Osd, Both));
        Assert.Equal("ms_cluster_mode: unknown connection mode 'fast' (known: crc, secure)", e.Message);
    }
}
