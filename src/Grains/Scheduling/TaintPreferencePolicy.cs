namespace Orion.Grains.Scheduling;

/// <summary>
/// Keeps a task off nodes with soft taints it does not tolerate (<see cref="Orion.Contracts.NodeTaints.SoftSuffix"/>,
/// Kubernetes' PreferNoSchedule) while another node has room: it asks the inner policy with those taints binding, then
/// without. A view without soft taints is asked once.
/// </summary>
public sealed class TaintPreferencePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request) =>
        cluster.SoftTainted == 0 || request.AvoidSoftTaints
            ? inner.Choose(cluster, request)
            : inner.Choose(cluster, request with { AvoidSoftTaints = true }) ?? inner.Choose(cluster, request);
}
