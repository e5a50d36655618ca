namespace Orion.Grains.Scheduling;

/// <summary>
/// One scheduling round: placements for many requests chosen in turn against the same view, each applied to the view
/// before the next is chosen, so later decisions see earlier ones (as if the nodes had already accepted them). The
/// caller sends the reservations together and gives back in the view what a node refused. Pure.
/// </summary>
public static class PlacementRound
{
    /// <summary>A choice per request, in order (null where nothing fits); every choice is already applied to <paramref name="view"/>.</summary>
    public static PlacementChoice?[] Decide(IPlacementPolicy policy, ClusterView view, IReadOnlyList<PlacementRequest> requests)
    {
        var choices = new PlacementChoice?[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var choice = policy.Choose(view, requests[i]);
            if (choice is not null)
            {
                ClusterView.Apply(choice, requests[i]);
            }

            choices[i] = choice;
        }

        return choices;
    }

    /// <summary>
    /// All or none, for a gang: a choice for every request (largest first, so small members do not break up the room
    /// large ones need), in the requests' order; or null, with every choice given back and the view as it was.
    /// </summary>
    public static PlacementChoice[]? DecideAll(IPlacementPolicy policy, ClusterView view, IReadOnlyList<PlacementRequest> requests)
    {
        var order = Enumerable.Range(0, requests.Count)
            .OrderByDescending(i => requests[i].GpuCount).ThenByDescending(i => requests[i].TotalGpuMilli).ThenByDescending(i => requests[i].GpuMemoryMiB)
            .ToArray();
        var decided = Decide(policy, view, [.. order.Select(i => requests[i])]);
        var choices = new PlacementChoice?[requests.Count];
        for (var k = 0; k < order.Length; k++)
        {
            choices[order[k]] = decided[k];
        }

        if (Array.TrueForAll(choices, c => c is not null))
        {
            return choices!;
        }

        // In reverse, so each node object is the one its decision was applied to.
        for (var k = order.Length - 1; k >= 0; k--)
        {
            if (decided[k] is { } choice)
            {
                Undo(view, choice, requests[order[k]]);
            }
        }

        return null;
    }

    /// <summary>
    /// Gives back a decision the node did not take. Only while the view still holds the node object the decision was
    /// applied to: a newer snapshot of the node replaced it with the node's own account, which never had it.
    /// </summary>
    public static bool Undo(ClusterView view, PlacementChoice choice, PlacementRequest request)
    {
        if (!ReferenceEquals(view.Find(choice.Node.Id), choice.Node))
        {
            return false;
        }

        ClusterView.Release(choice, request);
        return true;
    }
}
