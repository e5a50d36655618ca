using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Orion.Grains.Placement;

/// <summary>
/// Keeps the silos whose <c>dc</c> metadata matches the data centre in the grain's key (<c>dc/...</c>, or the whole key
/// of a data centre's scheduler). With no silo of that data centre up, any silo will do: a node's grains must live
/// somewhere while its data centre's silos are down (they move once one joins: <see cref="DataCenterResidence"/>).
/// </summary>
public sealed class DataCenterPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public const string MetadataKey = "dc";

    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var dataCenter = Orion.Contracts.GrainKeys.DataCenterOf(target.GrainIdentity.Key.ToString() ?? "");
        if (dataCenter.Length == 0)
        {
            return silos;
        }

        var all = silos.ToList();
        var local = all.Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(MetadataKey, out var dc) && string.Equals(dc, dataCenter, StringComparison.OrdinalIgnoreCase)).ToList();
        return local.Count > 0 ? local : all;
    }
}
