using KestrelMessenger.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelMessenger.Tests.Config;

/// <summary>An entity's ceph.conf settings as IConfiguration, bindable to options.</summary>
public class CephConfConfigurationTests
{
    public sealed class ClientOptions
    {
        [ConfigurationKeyName("mon_host")]
        public string? MonHost { get; set; }

        public string? Auth_Client_Required { get; set; }

        [ConfigurationKeyName("ms_bind_port_min")]
        public int PortMin { get; set; }
    }

    [Fact]
    public void The_entitys_effective_settings_bind_to_options_under_Ceph()
    {
        using var dir = new CephTools.TempDir();
        string path = dir.Write("prod.conf", "[global]\nmon host = 1.2.3.4\nauth client required = cephx\nms_bind_port_min = 6800\nsock = $cluster-$name\n[client]\nms bind port min = 7000\n[osd]\nms_bind_port_min = 1\n");
        IConfiguration config = new ConfigurationBuilder().AddCephConf(path, "client.admin").Build();

        Assert.Equal(("1.2.3.4", "cephx", "7000", "prod-client.admin"), (config["Ceph:mon_host"], config["Ceph:auth_client_required"], config["Ceph:ms_bind_port_min"], config["Ceph:sock"]));

        using ServiceProvider services = new ServiceCollection().Configure<ClientOptions>(config.GetSection("Ceph")).BuildServiceProvider();
        ClientOptions options = services.GetRequiredService<IOptions<ClientOptions>>().Value;
        Assert.Equal(("1.2.3.4", "cephx", 7000), (options.MonHost, options.Auth_Client_Required, options.PortMin));
    }

    [Fact]
    public void A_missing_file_fails_unless_optional()
    {
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddCephConf("/etc/no-such-ceph.conf").Build());
        Assert.Empty(new ConfigurationBuilder().AddCephConf("/nonexistent/ceph.conf", optional: true).Build().AsEnumerable());
    }
}
