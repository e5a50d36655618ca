namespace Orion.Grains;

/// <summary>
/// A node grain's persisted state: whether an operator cordoned it (no new work) and why. Kept in storage, unlike the
/// rest of a node, which its daemon's heartbeat rebuilds: a cordon outlives the node grain's silo.
/// </summary>
[GenerateSerializer, Alias("orion.NodeCordon")]
public sealed class NodeCordon
{
    /// <summary>Why it is cordoned; null while it takes work.</summary>
    [Id(0)]
    public string? Reason { get; set; }

    /// <summary>When it was cordoned.</summary>
    [Id(1)]
    public DateTimeOffset? Since { get; set; }
}
