using System.Collections.Immutable;

namespace Orion.Client.Monitoring;

/// <summary>
/// How a data centre's free compute lies, over the cards that take work (of schedulable nodes, not broken nor cordoned):
/// on cards that hold nothing, which a task of one or several whole cards can take, or scattered over cards already in
/// use, which only slices can. Much free room and a high scattered share is what consolidation
/// (<c>Orion:Pool:Consolidate</c>) gathers.
/// </summary>
/// <param name="DataCenter">The data centre.</param>
/// <param name="FreeComputeMilli">Allocatable compute not held by slices, in thousandths of a card.</param>
/// <param name="ScatteredComputeMilli">Of that, what lies on cards that hold some slice.</param>
/// <param name="EmptyCards">Cards that hold nothing.</param>
public sealed record FreeRoom(string DataCenter, long FreeComputeMilli, long ScatteredComputeMilli, int EmptyCards)
{
    /// <summary>The share of the free compute that lies on cards in use (0 to 1; 0 when nothing is free).</summary>
    public double ScatteredShare => FreeComputeMilli > 0 ? (double)ScatteredComputeMilli / FreeComputeMilli : 0;

    /// <summary>Each data centre's free room, by name.</summary>
    public static ImmutableArray<FreeRoom> Of(IEnumerable<NodeSummary> nodes) =>
        [.. nodes.GroupBy(n => n.DataCenter, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var cards = g.Where(n => n.Schedulable).SelectMany(n => n.Cards).Where(c => c.Fault is null && c.CordonReason is null).ToList();
            var free = cards.Sum(c => (long)Math.Max(0, c.ComputeCapacityMilli - c.ComputeAllocatedMilli));
            var scattered = cards.Where(c => !c.Slices.IsDefaultOrEmpty).Sum(c => (long)Math.Max(0, c.ComputeCapacityMilli - c.ComputeAllocatedMilli));
            return new FreeRoom(g.Key, free, scattered, cards.Count(c => c.Slices.IsDefaultOrEmpty));
        })];
}
