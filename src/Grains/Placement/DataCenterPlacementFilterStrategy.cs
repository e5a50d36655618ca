using Orleans.Placement;

namespace Orion.Grains.Placement;

/// <summary>Activates a grain keyed <c>dc/...</c> on a silo of that data centre (silo metadata <c>dc</c>) when one is up.</summary>
public sealed class DataCenterPlacementFilterStrategy : PlacementFilterStrategy
{
    public DataCenterPlacementFilterStrategy()
        : base(0)
    {
    }
}
