namespace Orion.Grains.Scheduling;

/// <summary>
/// Tries a request's preferred data centre first and spills over to the rest of the pool when it is full;
/// the choice inside either is the inner policy's.
/// </summary>
public sealed class DataCenterPreferencePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request) =>
        request.PreferredDataCenter is { } preferred && request.DataCenter is null
            ? inner.Choose(cluster, request with { DataCenter = preferred }) ?? inner.Choose(cluster, request)
            : inner.Choose(cluster, request);
}
