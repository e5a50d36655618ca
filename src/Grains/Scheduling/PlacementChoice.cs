namespace Orion.Grains.Scheduling;

/// <summary>A policy's answer: a node and the indexes of the cards on it.</summary>
/// <param name="Node">The chosen node.</param>
/// <param name="GpuIndexes">Positions in <see cref="NodeView.Gpus"/> of the chosen cards.</param>
public sealed record PlacementChoice(NodeView Node, int[] GpuIndexes)
{
    public IEnumerable<GpuView> Gpus => GpuIndexes.Select(i => Node.Gpus[i]);
}
