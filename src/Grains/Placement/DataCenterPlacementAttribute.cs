using Orleans.Placement;

namespace Orion.Grains.Placement;

/// <summary>Marks grains keyed by data centre (<c>dc/node</c>, <c>dc/node/card</c>, a scheduler's <c>dc</c>) to live on their data centre's silos.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DataCenterPlacementAttribute : PlacementFilterAttribute
{
    public DataCenterPlacementAttribute()
        : base(new DataCenterPlacementFilterStrategy())
    {
    }
}
