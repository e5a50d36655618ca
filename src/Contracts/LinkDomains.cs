namespace Orion.Contracts;

/// <summary>How a node's cards group by their links (<see cref="GpuDevice.LinkDomain"/>).</summary>
public static class LinkDomains
{
    /// <summary>
    /// The groups of <paramref name="count"/> cards where <paramref name="linked"/> says which pairs talk over a fast link:
    /// cards linked directly or through others share a group, numbered 0, 1, ... in the order of their lowest card.
    /// </summary>
    public static int[] Group(int count, Func<int, int, bool> linked)
    {
        ArgumentNullException.ThrowIfNull(linked);
        var parent = Enumerable.Range(0, count).ToArray();
        int Root(int i) => parent[i] == i ? i : parent[i] = Root(parent[i]);
        for (var i = 0; i < count; i++)
        {
            for (var j = i + 1; j < count; j++)
            {
                if (Root(i) != Root(j) && linked(i, j))
                {
                    parent[Math.Max(Root(i), Root(j))] = Math.Min(Root(i), Root(j));
                }
            }
        }

        var numbers = new Dictionary<int, int>();
        return [.. Enumerable.Range(0, count).Select(i => numbers.TryGetValue(Root(i), out var n) ? n : numbers[Root(i)] = numbers.Count)];
    }

    /// <summary>Groups of <paramref name="size"/> consecutive cards (0 or less: one group), as the simulator lays them out.</summary>
    public static int[] Consecutive(int count, int size) => [.. Enumerable.Range(0, count).Select(i => size > 0 ? i / size : 0)];
}
