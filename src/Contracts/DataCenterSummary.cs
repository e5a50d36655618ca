namespace Orion.Contracts;

/// <summary>A data centre's free capacity and queue in a few numbers, pushed by its scheduler to the pool to route tasks by.</summary>
/// <param name="DataCenter">The data centre.</param>
/// <param name="Nodes">Schedulable nodes.</param>
/// <param name="IdleCards">Cards nothing holds.</param>
/// <param name="FreeComputeMilli">Free compute over all its cards, in thousandths of a card.</param>
/// <param name="Queued">Tasks in its queue.</param>
/// <param name="Spillable">Queued tasks that may run in another data centre (not pinned).</param>
[GenerateSerializer, Alias("orion.DataCenterSummary"), Immutable]
public sealed record DataCenterSummary(
    [property: Id(0)] string DataCenter,
    [property: Id(1)] int Nodes,
    [property: Id(2)] int IdleCards,
    [property: Id(3)] long FreeComputeMilli,
    [property: Id(4)] int Queued,
    [property: Id(5)] int Spillable)
{
    /// <summary>A data centre known only by name (a node registered there, its scheduler has not reported yet).</summary>
    public static DataCenterSummary Unknown(string dataCenter) => new(dataCenter, 0, 0, 0, 0, 0);
}
