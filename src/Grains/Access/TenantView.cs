using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// A read's answer as a tenant's token sees it where tenants are kept apart (<see cref="TenantReads.Own"/>): its own
/// tenant's tasks, events, queue places and deployments only; cards keep the room others hold (so free room is true) with
/// whose it is hidden. Pure.
/// </summary>
public static class TenantView
{
    /// <summary>The tenant another tenant's slice reads as.</summary>
    public const string Others = "(another tenant)";

    /// <summary>Whether narrowing <paramref name="answer"/> needs the tenant's own task ids (events and queues name tasks only).</summary>
    public static bool NeedsOwnTasks(object? answer) => answer is ImmutableArray<PoolEvent> or SchedulerSnapshot;

    /// <summary>Whether narrowing <paramref name="answer"/> of a grain of <paramref name="grain"/> needs the tenant's own deployment names.</summary>
    public static bool NeedsOwnDeployments(Type grain, object? answer) => grain == typeof(IDeploymentDirectoryGrain) && answer is ImmutableArray<string>;

    /// <summary><paramref name="answer"/>, from a grain of interface <paramref name="grain"/>, as <paramref name="tenant"/>'s token may see it.</summary>
    /// <param name="ownTasks">The tenant's task ids, where <see cref="NeedsOwnTasks"/>; else empty.</param>
    /// <param name="ownDeployments">The tenant's deployments' names, where <see cref="NeedsOwnDeployments"/>; else empty.</param>
    public static object? For(string tenant, Type grain, object? answer, IReadOnlySet<string> ownTasks, IReadOnlySet<string> ownDeployments) => answer switch
    {
        VGpuTaskStatus task => task.Spec.Tenant == tenant ? task : null,
        ImmutableArray<VGpuTaskStatus> tasks => tasks.IsDefault ? tasks : [.. tasks.Where(t => t.Spec.Tenant == tenant)],
        DeploymentStatus deployment => deployment.Template.Tenant == tenant ? deployment : null,
        ImmutableArray<PoolEvent> events => events.IsDefault ? events : [.. events.Where(e => e.TaskId.Length > 0 && ownTasks.Contains(e.TaskId))],
        SchedulerSnapshot scheduler => Queue(scheduler, ownTasks),
        NodeSnapshot node => Node(tenant, node),
        GpuSnapshot card => Card(tenant, card),
        ImmutableArray<string> tenants when grain == typeof(ITenantDirectoryGrain) => tenants.IsDefault ? tenants : [.. tenants.Where(t => t == tenant)],
        ImmutableDictionary<string, double> weights when grain == typeof(ITenantDirectoryGrain) => weights.Where(w => w.Key == tenant).ToImmutableDictionary(),
        ImmutableArray<string> names when grain == typeof(IDeploymentDirectoryGrain) => names.IsDefault ? names : [.. names.Where(ownDeployments.Contains)],
        _ => answer,
    };

    /// <summary>The queues with the tenant's own tasks only, in their order (counts are the pool's).</summary>
    private static SchedulerSnapshot Queue(SchedulerSnapshot s, IReadOnlySet<string> ownTasks) => s with
    {
        Queue = s.Queue.IsDefault ? s.Queue : [.. s.Queue.Where(ownTasks.Contains)],
        DataCenters = s.DataCenters.IsDefault ? s.DataCenters : [.. s.DataCenters.Select(dc => Queue(dc, ownTasks))],
    };

    private static NodeSnapshot Node(string tenant, NodeSnapshot node)
    {
        var own = node.Gpus.IsDefault ? [] : node.Gpus.SelectMany(g => g.Slices.IsDefault ? [] : g.Slices).Where(s => s.Tenant == tenant).Select(s => s.TaskId).ToHashSet(StringComparer.Ordinal);
        return node with
        {
            Gpus = node.Gpus.IsDefault ? node.Gpus : [.. node.Gpus.Select(g => Card(tenant, g))],
            Borrowed = node.Borrowed.IsDefault ? node.Borrowed : [.. node.Borrowed.Where(b => own.Contains(b.TaskId))],
            Spread = node.Spread.IsDefault ? node.Spread : [.. node.Spread.Where(s => s.Tenant == tenant)],
        };
    }

    /// <summary>
    /// The card with others' slices kept as room taken (paused, busy or paged out as they are), each under an id of its
    /// own that names no task, so what the card holds and where its memory lives still add up.
    /// </summary>
    private static GpuSnapshot Card(string tenant, GpuSnapshot card)
    {
        if (card.Slices.IsDefault)
        {
            return card;
        }

        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        var hidden = 0;
        foreach (var s in card.Slices)
        {
            shown[s.TaskId] = s.Tenant == tenant ? s.TaskId : $"{TenantPrivacy.Hidden} {++hidden}";
        }

        return card with
        {
            Slices = [.. card.Slices.Select(s => s.Tenant == tenant ? s : s with { TaskId = shown[s.TaskId], Tenant = Others })],
            Busy = Shown(card.Busy, shown),
            Paused = Shown(card.Paused, shown),
            OnHost = Shown(card.OnHost, shown),
            Starting = Shown(card.Starting, shown),
            OnHostMiB = card.OnHostMiB?.Where(kv => shown.ContainsKey(kv.Key)).ToImmutableDictionary(kv => shown[kv.Key], kv => kv.Value),
        };
    }

    /// <summary>The ids of tasks with a slice on the card, as shown; any other is left out.</summary>
    private static ImmutableArray<string> Shown(ImmutableArray<string> ids, Dictionary<string, string> shown) =>
        ids.IsDefault ? ids : [.. ids.Where(shown.ContainsKey).Select(id => shown[id])];
}
