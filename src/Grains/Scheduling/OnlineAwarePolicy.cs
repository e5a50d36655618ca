namespace Orion.Grains.Scheduling;

/// <summary>
/// Puts work that online demand would pause (offline batches, training) on cards without online services
/// when any fits, and beside services only when none does: there it runs when the services are quiet and
/// yields when they are busy. Online requests and the choice among cards are the inner policy's.
/// </summary>
public sealed class OnlineAwarePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public IPlacementPolicy Inner => inner;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request) =>
        request.Online || request.GpuCount == 0
            ? inner.Choose(cluster, request)
            : inner.Choose(cluster, request with { AvoidOnlineCards = true }) ?? inner.Choose(cluster, request);
}
