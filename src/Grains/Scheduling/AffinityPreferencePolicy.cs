namespace Orion.Grains.Scheduling;

/// <summary>
/// Places a task with preferred node affinity (<see cref="PlacementRequest.Preferred"/>) on a node meeting all its
/// preferred rules if one has room; failing that, all but the last, and so on (earlier rules weigh more); failing every
/// one, wherever its required rules allow. Other requests are the inner policy's.
/// </summary>
public sealed class AffinityPreferencePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        if (request.Preferred is not { Count: > 0 } preferred)
        {
            return inner.Choose(cluster, request);
        }

        var required = request.Affinity ?? [];
        for (var n = preferred.Count; n > 0; n--)
        {
            if (inner.Choose(cluster, request with { Affinity = [.. required, .. preferred.Take(n)], Preferred = null }) is { } choice)
            {
                return choice;
            }
        }

        return inner.Choose(cluster, request with { Preferred = null });
    }
}
