namespace Orion.Grains.Scheduling;

/// <summary>Chooses a node and cards for a request, or none when nothing fits. Pure and deterministic for a given view.</summary>
public interface IPlacementPolicy
{
    /// <summary>The policy's name as configured (e.g. <c>best-fit</c>).</summary>
    string Name { get; }

    /// <summary>The best placement for the request in the view, or null when it fits nowhere.</summary>
    PlacementChoice? Choose(ClusterView cluster, PlacementRequest request);

    /// <summary>Tells the policy a request arrived (policies that learn the task mix use it).</summary>
    void Observe(PlacementRequest request)
    {
    }
}
