namespace Orion.Grains.Scheduling;

/// <summary>
/// Nodes grouped by state (<see cref="NodeView.SameState"/>): one small id per state that some node is in, so a policy
/// scores a state once however many nodes share it (a pool's untouched nodes of one type are all alike). The id of a
/// state no node is in any more is given to the next new state.
/// </summary>
internal sealed class NodeStateClasses
{
    private readonly Dictionary<NodeView, int> ids = new(StateComparer.Instance);
    private readonly Stack<int> unused = new();
    private NodeView?[] states = [];
    private int[] members = [];

    /// <summary>Every id is below this.</summary>
    public int Capacity => states.Length;

    /// <summary>How many states some node is in.</summary>
    public int Count => ids.Count;

    /// <summary>
    /// The id of the node's current state, counting the node in it; <paramref name="fresh"/> when no node was in that
    /// state (the id may have been another state's, so what was kept under it is stale).
    /// </summary>
    public int Enter(NodeView node, out bool fresh)
    {
        if (ids.TryGetValue(node, out var id))
        {
            fresh = false;
            members[id]++;
            return id;
        }

        // A copy as the key: the view itself will change.
        var state = node.CopyState();
        if (!unused.TryPop(out id))
        {
            id = ids.Count;
            if (id == states.Length)
            {
                var size = Math.Max(16, states.Length * 2);
                Array.Resize(ref states, size);
                Array.Resize(ref members, size);
            }
        }

        ids.Add(state, id);
        states[id] = state;
        members[id] = 1;
        fresh = true;
        return id;
    }

    /// <summary>A node left the state with this id (it changed, or another view took its place).</summary>
    public void Leave(int id)
    {
        if (--members[id] > 0)
        {
            return;
        }

        ids.Remove(states[id]!);
        states[id] = null;
        unused.Push(id);
    }

    private sealed class StateComparer : IEqualityComparer<NodeView>
    {
        public static readonly StateComparer Instance = new();

        public bool Equals(NodeView? x, NodeView? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.SameState(y));

        public int GetHashCode(NodeView obj) => obj.StateHash();
    }
}
