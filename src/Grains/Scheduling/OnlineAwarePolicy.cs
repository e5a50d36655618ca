namespace Orion.Grains.Scheduling;

/// <summary>
/// Places work that online demand would pause (offline batches, training) where it can run soonest, in this order:
/// <list type="number">
/// <item>a card without online services whose device holds its memory now;</item>
/// <item>a card with services whose device holds it beside their memory: it yields compute while they are busy;</item>
/// <item>a card with services whose device holds it once their idle pages move to host RAM: it runs while they are
/// quiet and yields compute, then memory, when they are busy (online memory fitting the device makes that possible);</item>
/// <item>a card without services where it waits in host RAM for device memory;</item>
/// <item>any card that fits.</item>
/// </list>
/// Work in host RAM makes no progress until the residents leave, while work beside quiet services runs, so being
/// resident ranks above avoiding services; fewer pages moved ranks next. Online requests, multi-card requests and
/// the choice among cards are the inner policy's.
/// </summary>
public sealed class OnlineAwarePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public IPlacementPolicy Inner => inner;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request) =>
        request.Online || request.GpuCount != 1
            ? inner.Choose(cluster, request)
            : inner.Choose(cluster, request with { AvoidOnlineCards = true, Residency = Residency.Untouched })
                ?? inner.Choose(cluster, request with { Residency = Residency.Untouched })
                ?? inner.Choose(cluster, request with { Residency = Residency.ReclaimingIdleOnline })
                ?? inner.Choose(cluster, request with { AvoidOnlineCards = true })
                ?? inner.Choose(cluster, request);
}
