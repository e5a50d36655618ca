namespace Orion.Grains.Deployments;

/// <summary>The deployment directory's persisted state: the names of the deployments that exist.</summary>
[GenerateSerializer, Alias("orion.DeploymentDirectory")]
public sealed class DeploymentDirectory
{
    [Id(0)]
    public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}
