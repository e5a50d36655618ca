namespace Orion.Grains.Scheduling;

/// <summary>
/// Lands a task on cards of one link group (<see cref="GpuView.LinkDomain"/>: NVLink, or one PCIe switch) where it can: the
/// inner policy picks the node (among those with a group that takes the whole task, while any has one) and how its cards
/// are filled; this then trades the cards it chose for others of that node
/// in the very same state (so the policy would have scored them alike, and nothing it measures moves), preferring the
/// fewest groups, then the group with the fewest such cards (best fit: a large group stays whole for a large task).
/// A task of one card thereby goes to the smallest group with a card like the one chosen. Pure.
/// </summary>
public sealed class LinkDomainPolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    /// <summary>
    /// A task of several cards is first asked for with its cards in one group of their node (so a node whose free cards
    /// are split over groups gives way to one with a whole group free), then without; its cards are then traded as below.
    /// </summary>
    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        var choice = request.GpuCount > 1 && cluster.Grouped > 0 && !request.WithinOneLinkGroup
            ? inner.Choose(cluster, request with { WithinOneLinkGroup = true }) ?? inner.Choose(cluster, request)
            : inner.Choose(cluster, request);
        return choice is null ? null : WithinFewestDomains(choice);
    }

    /// <summary>The choice with its cards traded for alike ones in fewer (or smaller) link groups; the choice itself when none is better.</summary>
    public static PlacementChoice WithinFewestDomains(PlacementChoice choice)
    {
        var gpus = choice.Node.Gpus;
        if (choice.GpuIndexes.Length == 0 || !choice.Node.Grouped)
        {
            // A task of host resources only, or a node whose cards are all alike.
            return choice;
        }

        var first = gpus[choice.GpuIndexes[0]];
        if (choice.GpuIndexes.Any(i => !gpus[i].SameState(first)))
        {
            return choice;
        }

        // Every card of the node in the chosen cards' state, by group, lowest index first.
        var groups = Enumerable.Range(0, gpus.Length).Where(i => gpus[i].SameState(first))
            .GroupBy(i => gpus[i].LinkDomain).Select(g => g.ToArray()).ToList();
        var k = choice.GpuIndexes.Length;
        var fits = groups.Where(g => g.Length >= k).OrderBy(g => g.Length).ThenBy(g => g[0]).FirstOrDefault();
        var picked = fits is not null
            ? fits[..k]
            : [.. groups.OrderByDescending(g => g.Length).ThenBy(g => g[0]).SelectMany(g => g).Take(k)];
        return Cost(picked).CompareTo(Cost(choice.GpuIndexes)) < 0 ? new PlacementChoice(choice.Node, [.. picked.Order()]) : choice;

        // Groups spanned, then how many alike cards those groups hold (fewer: a tighter fit).
        (int Spanned, int Size) Cost(int[] cards)
        {
            var used = cards.Select(i => gpus[i].LinkDomain).Distinct().ToList();
            return (used.Count, groups.Where(g => used.Contains(gpus[g[0]].LinkDomain)).Sum(g => g.Length));
        }
    }
}
