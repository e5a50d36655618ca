namespace Orion.Grains;

/// <summary>A task a node still owes the news that it lost it (serializable: a node that moves silos takes it along).</summary>
[GenerateSerializer, Alias("orion.NodeLoss"), Immutable]
internal sealed record NodeLoss([property: Id(0)] long Generation, [property: Id(1)] string Reason);
