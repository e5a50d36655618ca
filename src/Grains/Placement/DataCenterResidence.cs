using Orion.Contracts;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orion.Grains.Placement;

/// <summary>
/// Tells a data-centre grain whether it lives on the wrong data centre's silo while one of its own is a member (it
/// landed elsewhere because none was up when it activated), so it can move.
/// </summary>
public sealed class DataCenterResidence(ISiloMetadataCache metadata, IClusterMembershipService membership, ILocalSiloDetails local)
{
    /// <summary>True when the grain keyed <paramref name="grainKey"/> should move to a silo of its key's data centre.</summary>
    public bool Misplaced(string grainKey)
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => DataCenterOf(m.SiloAddress));
        return ShouldMove(DataCenterOf(local.SiloAddress), GrainKeys.DataCenterOf(grainKey), active);
    }

    /// <summary>Move when the silo here is of another data centre and a silo of the wanted one is active. Pure.</summary>
    public static bool ShouldMove(string? here, string wanted, IEnumerable<string?> activeSilos) =>
        !string.Equals(here, wanted, StringComparison.OrdinalIgnoreCase)
        && activeSilos.Any(dc => string.Equals(dc, wanted, StringComparison.OrdinalIgnoreCase));

    private string? DataCenterOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(DataCenterPlacementFilterDirector.MetadataKey, out var dc) ? dc : null;
}
