using Microsoft.Extensions.Configuration;

namespace KestrelMessenger.Config;

/// <summary>
/// <see cref="IConfigurationBuilder"/> support for ceph.conf: one entity's effective settings (its
/// <c>[type.id]</c>, <c>[type]</c> and <c>[global]</c> sections merged, metavariables expanded) under a
/// section, by Ceph's normalized names: <c>Ceph:mon_host</c>, <c>Ceph:auth_client_required</c>. Bind
/// them with <c>services.Configure&lt;T&gt;(configuration.GetSection("Ceph"))</c>; a property binds
/// to a key of the same name, ignoring case (so name properties after the option, or use
/// <c>[ConfigurationKeyName("mon_host")]</c>).
/// </summary>
public static class CephConfConfigurationExtensions
{
    /// <summary>
    /// Adds <paramref name="path"/>'s settings for <paramref name="entityName"/> (<c>client.admin</c>)
    /// under <paramref name="section"/>. The file is read when the configuration is built; a missing
    /// file is an error unless <paramref name="optional"/>.
    /// </summary>
    public static IConfigurationBuilder AddCephConf(this IConfigurationBuilder builder, string path, string entityName = "client.admin", string section = "Ceph", bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new CephConfConfigurationSource { Path = path, EntityName = entityName, Section = section, Optional = optional });
    }
}

/// <summary>The <see cref="IConfigurationSource"/> behind <see cref="CephConfConfigurationExtensions.AddCephConf"/>.</summary>
public sealed class CephConfConfigurationSource : IConfigurationSource
{
    /// <summary>The ceph.conf path.</summary>
    public required string Path { get; init; }

    /// <summary>Whose settings (<c>client.admin</c>, <c>osd.3</c>).</summary>
    public string EntityName { get; init; } = "client.admin";

    /// <summary>The configuration section the settings go under (<c>Ceph</c>).</summary>
    public string Section { get; init; } = "Ceph";

    /// <summary>When true, a missing file adds nothing instead of failing.</summary>
    public bool Optional { get; init; }

    /// <summary>The metavariables to expand with; null: the conf file's cluster and this machine's host name.</summary>
    public CephMetaVariables? Meta { get; init; }

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new CephConfConfigurationProvider(this);
}

/// <summary>Loads the entity's settings from the file once, on <see cref="Load"/>.</summary>
public sealed class CephConfConfigurationProvider(CephConfConfigurationSource source) : ConfigurationProvider
{
    /// <inheritdoc />
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!(source.Optional && !File.Exists(source.Path)))
        {
            CephConf conf = CephConf.Load(source.Path);
            foreach ((string key, string value) in conf.GetAll(source.EntityName, source.Meta))
            {
                data[ConfigurationPath.Combine(source.Section, key)] = value;
            }
        }

        Data = data;
    }
}
