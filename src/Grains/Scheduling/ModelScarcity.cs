namespace Orion.Grains.Scheduling;

/// <summary>
/// What a thousandth of a card of each model costs a placement, by the mix's demand that can run only on some models.
/// The fragmentation measure does not see that a task free to run anywhere, taking a card of a model that tasks bound to
/// it are short of, leaves them nowhere to go: a card used is no fragment. So each mix shape bound to models charges every
/// card of those models its share of the GPU demand times how much scarcer its models' free compute is than the pool's:
/// p·g·(F / F_allowed − 1), with p its popularity, g the cards it asks for, F the pool's free compute and F_allowed that of
/// its models. Shapes free to run anywhere charge nothing, so a mix without bound shapes leaves placement as it was.
/// </summary>
public sealed class ModelScarcity
{
    private readonly Dictionary<string, int> ids = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> models = [];
    private long[] free = [];
    private Counted[] counted = [];
    private double[] perMilli = [];

    // By node ordinal: the node view last seen there and the model of all its cards (-1: cards of several models).
    private NodeView?[] nodeSeen = [];
    private int[] nodeModel = [];

    private WorkloadMix? checkedMix;
    private bool bound;
    private readonly List<(bool[] Models, double Demand)> masks = [];
    private int masksFor = -1;

    /// <summary>
    /// Measures the pool's free compute by model and the cost per thousandth of a card of each. False when the mix has
    /// no GPU shape bound to models: then nothing costs anything and nothing was measured.
    /// </summary>
    public bool Measure(WorkloadMix mix, ReadOnlySpan<NodeView> nodes)
    {
        if (!ReferenceEquals(mix, checkedMix))
        {
            checkedMix = mix;
            masksFor = -1;
            bound = false;
            foreach (var (shape, _) in mix.ShapeArray)
            {
                bound |= IsBound(shape);
            }
        }

        if (!bound)
        {
            return false;
        }

        // Free compute by model, kept per node and taken again only from nodes that changed since the last measure.
        if (counted.Length < nodes.Length)
        {
            Array.Resize(ref counted, nodes.Length);
        }

        for (var k = 0; k < nodes.Length; k++)
        {
            var node = nodes[k];
            ref var slot = ref counted[k];
            if (!ReferenceEquals(slot.Node, node) || slot.Changes != node.Changes)
            {
                Uncount(ref slot);
                Count(ref slot, node);
            }
        }

        // Nodes that left the view.
        for (var k = nodes.Length; k < counted.Length && counted[k].Node is not null; k++)
        {
            Uncount(ref counted[k]);
        }

        long total = 0;
        for (var m = 0; m < models.Count; m++)
        {
            total += free[m];
        }

        // Each bound shape's models as a mask over the model ids, worked out once per mix and set of models known.
        if (masksFor != models.Count)
        {
            masksFor = models.Count;
            masks.Clear();
            foreach (var (shape, popularity) in mix.ShapeArray)
            {
                if (!IsBound(shape))
                {
                    continue;
                }

                var request = shape.AsRequest;
                var mask = new bool[models.Count];
                for (var m = 0; m < models.Count; m++)
                {
                    mask[m] = request.AllowsModel(models[m]);
                }

                masks.Add((mask, popularity * (shape.GpuCount * (double)shape.ComputeMilli / LeftoverWaste.CardMilli)));
            }
        }

        Array.Clear(perMilli);
        foreach (var (mask, demand) in masks)
        {
            long allowed = 0;
            for (var m = 0; m < mask.Length; m++)
            {
                allowed += mask[m] ? free[m] : 0;
            }

            // Nothing free for it: it fails wherever the others go, so it has no room to protect.
            if (allowed <= 0)
            {
                continue;
            }

            var charge = demand * ((double)total / allowed - 1);
            for (var m = 0; m < mask.Length; m++)
            {
                perMilli[m] += mask[m] ? charge : 0;
            }
        }

        return true;
    }

    private void Count(ref Counted slot, NodeView node)
    {
        slot = new Counted(node, node.Changes, ModelOf(node), 0, null);
        if (slot.Model >= 0)
        {
            slot.Free = node.GpuComputeFree;
            free[slot.Model] += slot.Free;
            return;
        }

        // Cards of several models: each model's share kept apart.
        slot.ByModel = [];
        foreach (var gpu in node.Gpus)
        {
            var id = Id(gpu.Model);
            if (id >= slot.ByModel.Length)
            {
                var byModel = slot.ByModel;
                Array.Resize(ref byModel, id + 1);
                slot.ByModel = byModel;
            }

            slot.ByModel[id] += gpu.UsableCompute;
            free[id] += gpu.UsableCompute;
        }
    }

    private void Uncount(ref Counted slot)
    {
        if (slot.Node is null)
        {
            return;
        }

        if (slot.Model >= 0)
        {
            free[slot.Model] -= slot.Free;
        }
        else if (slot.ByModel is { } byModel)
        {
            for (var m = 0; m < byModel.Length; m++)
            {
                free[m] -= byModel[m];
            }
        }

        slot = default;
    }

    /// <summary>What one node added to the free compute by model, and the view and change count it was taken from.</summary>
    private struct Counted(NodeView? node, long changes, int model, long free, long[]? byModel)
    {
        public NodeView? Node = node;
        public long Changes = changes;
        public int Model = model;
        public long Free = free;
        public long[]? ByModel = byModel;
    }

    /// <summary>A GPU shape that may run on some card models only: the shapes that charge.</summary>
    private static bool IsBound(WorkloadShape shape) => shape.GpuCount > 0 && shape.GpuModels.Length > 0;

    /// <summary>The cost of taking <paramref name="computeMilli"/> on each of the node's cards <paramref name="gpus"/>, as last measured.</summary>
    public double Cost(NodeView node, int[] gpus, int computeMilli)
    {
        var model = ModelOf(node);
        double sum = 0;
        foreach (var i in gpus)
        {
            sum += perMilli[model >= 0 ? model : Id(node.Gpus[i].Model)];
        }

        return sum * computeMilli;
    }

    /// <summary>The model id of all the node's cards, or -1 when they differ; kept per ordinal until the node view changes.</summary>
    private int ModelOf(NodeView node)
    {
        var ordinal = node.Ordinal;
        if (ordinal >= nodeSeen.Length)
        {
            Array.Resize(ref nodeSeen, Math.Max(ordinal + 1, nodeSeen.Length * 2));
            Array.Resize(ref nodeModel, nodeSeen.Length);
        }

        if (!ReferenceEquals(nodeSeen[ordinal], node))
        {
            var gpus = node.Gpus;
            var model = gpus.Length == 0 ? -1 : Id(gpus[0].Model);
            for (var i = 1; i < gpus.Length && model >= 0; i++)
            {
                model = string.Equals(gpus[i].Model, gpus[0].Model, StringComparison.OrdinalIgnoreCase) ? model : -1;
            }

            nodeSeen[ordinal] = node;
            nodeModel[ordinal] = model;
        }

        return nodeModel[ordinal];
    }

    private int Id(string model)
    {
        if (!ids.TryGetValue(model, out var id))
        {
            id = models.Count;
            ids[model] = id;
            models.Add(model);
            if (id >= free.Length)
            {
                Array.Resize(ref free, Math.Max(4, free.Length * 2));
                Array.Resize(ref perMilli, free.Length);
            }
        }

        return id;
    }
}
