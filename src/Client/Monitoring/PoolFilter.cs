using System.Collections.Immutable;

namespace Orion.Client.Monitoring;

/// <summary>Narrows a <see cref="PoolSummary"/> to a data centre, a node and/or a tenant; null fields match anything. Pure.</summary>
/// <param name="DataCenter">Only this data centre's nodes, tasks and events.</param>
/// <param name="Node">Only this node (its id <c>dc/node</c> or its bare name).</param>
/// <param name="Tenant">Only this tenant's tasks, queue places, slices and events (cards stay, so free room still shows).</param>
public sealed record PoolFilter(string? DataCenter = null, string? Node = null, string? Tenant = null)
{
    /// <summary>True when nothing is filtered.</summary>
    public bool IsEmpty => string.IsNullOrEmpty(DataCenter) && string.IsNullOrEmpty(Node) && string.IsNullOrEmpty(Tenant);

    /// <summary>The part of <paramref name="pool"/> this filter keeps.</summary>
    public PoolSummary Apply(PoolSummary pool)
    {
        if (IsEmpty)
        {
            return pool;
        }

        var nodes = pool.Nodes.Where(n => MatchesNode(n.NodeId, n.DataCenter))
            .Select(n => string.IsNullOrEmpty(Tenant) ? n : n with
            {
                Cards = [.. n.Cards.Select(c => c with { Slices = [.. c.Slices.Where(s => s.Tenant == Tenant)] })],
            }).ToImmutableArray();
        var tasks = pool.Tasks.Where(t => (string.IsNullOrEmpty(Tenant) || t.Tenant == Tenant)
            && ((string.IsNullOrEmpty(DataCenter) && string.IsNullOrEmpty(Node)) || (t.NodeId is { } id && MatchesNode(id, id.Split('/')[0])))).ToImmutableArray();
        var tenantTasks = pool.Tasks.Where(t => t.Tenant == Tenant).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        var events = pool.Events.Where(e => (string.IsNullOrEmpty(Tenant) || tenantTasks.Contains(e.TaskId))
            && ((string.IsNullOrEmpty(DataCenter) && string.IsNullOrEmpty(Node)) || MatchesNode(NodeOf(e.Where), e.Where.Split('/')[0]))).ToImmutableArray();
        var counts = pool.TasksByState.ToImmutableSortedDictionary(kv => kv.Key, kv => tasks.Count(t => t.State == kv.Key), StringComparer.Ordinal);
        var quotas = pool.Tenants.IsDefault ? [] : pool.Tenants.Where(t => string.IsNullOrEmpty(Tenant) || t.Tenant == Tenant).ToImmutableArray();
        var shares = pool.Shares.IsDefault ? [] : pool.Shares.Where(s => string.IsNullOrEmpty(Tenant) || s.Tenant == Tenant).ToImmutableArray();
        var deployments = pool.Deployments.IsDefault ? [] : pool.Deployments.Where(d => string.IsNullOrEmpty(Tenant) || d.Tenant == Tenant).ToImmutableArray();
        var queue = string.IsNullOrEmpty(Tenant) || pool.Queue.IsDefault ? pool.Queue : [.. pool.Queue.Where(tenantTasks.Contains)];
        return pool with { Queue = queue, Nodes = nodes, Tasks = tasks, Events = events, TasksByState = counts, Tenants = quotas, Shares = shares, Deployments = deployments };
    }

    private bool MatchesNode(string nodeId, string dataCenter) =>
        (string.IsNullOrEmpty(DataCenter) || dataCenter == DataCenter)
        && (string.IsNullOrEmpty(Node) || nodeId == Node || nodeId.EndsWith("/" + Node, StringComparison.Ordinal));

    // Events name a node (dc/node) or a card (dc/node/index).
    private static string NodeOf(string where) => where.Count(c => c == '/') >= 2 ? where[..where.LastIndexOf('/')] : where;
}
