using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>The whole pool at one moment: what the pool page, the API, the metrics and the CLI show.</summary>
/// <param name="At">When it was read.</param>
/// <param name="Policy">The placement policy.</param>
/// <param name="Queue">Pending task ids in placement order.</param>
/// <param name="Nodes">Machines and their cards.</param>
/// <param name="Tasks">Tasks, newest first.</param>
/// <param name="TasksByState">Task counts by state (every state, zeros included).</param>
/// <param name="Events">Recent placements, preemptions and swaps, oldest first.</param>
/// <param name="Tenants">The tenants that have a quota: the limits, the use and the line, by name.</param>
/// <param name="Settings">The pool's live settings (policy, oversubscription).</param>
/// <param name="Shares">Each tenant holding cards, queued or with a quota: what it holds of the pool, by name.</param>
/// <param name="Deployments">The deployments: replicas ready of those asked for, and how each stands, by name.</param>
public sealed record PoolSummary(
    DateTimeOffset At, string Policy, ImmutableArray<string> Queue, ImmutableArray<NodeSummary> Nodes,
    ImmutableArray<TaskSummary> Tasks, ImmutableSortedDictionary<string, int> TasksByState, ImmutableArray<PoolEvent> Events,
    ImmutableArray<TenantUsage> Tenants = default, PoolSettings? Settings = null, ImmutableArray<TenantShare> Shares = default,
    ImmutableArray<DeploymentSummary> Deployments = default)
{
    /// <summary>Every card, node by node.</summary>
    [JsonIgnore]
    public IEnumerable<CardSummary> Cards => Nodes.SelectMany(n => n.Cards);
}
