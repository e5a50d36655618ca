using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Colocation;

/// <summary>Orion with slicing only: every service and job holds its slice all day, nothing oversubscribed or moved.</summary>
public static class SlicingDay
{
    /// <summary>Cards the product's placement needs to hold every slice at once.</summary>
    public static int Cards(ColocationWorkload w)
    {
        var view = new ClusterView();
        var policy = new OnlineAwarePolicy(PlacementPolicies.Create(PlacementPolicies.Default));
        var requests = w.Services.Select(s => new PlacementRequest(1, s.ShareMilli, s.MemoryMiB, 0, 0, [], Online: true))
            .Concat(w.Trainings.Select(t => new PlacementRequest(1, 1000, t.MemoryMiB, 0, 0, [])))
            .Concat(w.Batches.Select(b => new PlacementRequest(1, b.ShareMilli, b.MemoryMiB, 0, 0, [])));
        foreach (var r in requests)
        {
            policy.Observe(r);
            var choice = policy.Choose(view, r);
            if (choice is null)
            {
                view.Upsert(new NodeView($"n{view.Nodes.Count:000}", "dc1", 1_000_000, 1_000_000, [new GpuView($"n{view.Nodes.Count:000}/0", 0, "A100-80GB", 1000, 81_920)]));
                choice = policy.Choose(view, r)!;
            }

            ClusterView.Apply(choice, r);
        }

        return view.Nodes.Count(n => !n.Gpus[0].IsIdle);
    }
}
