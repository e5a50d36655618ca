using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>Where a task may run.</summary>
/// <param name="GpuModels">GPU models the task accepts; empty means any.</param>
/// <param name="DataCenter">The data centre the task must run in; null means any.</param>
[GenerateSerializer, Alias("orion.PlacementConstraints"), Immutable]
public sealed record PlacementConstraints(
    [property: Id(0)] ImmutableArray<string> GpuModels,
    [property: Id(1)] string? DataCenter = null)
{
    /// <summary>No constraint: any model, any data centre.</summary>
    public static PlacementConstraints None { get; } = new(ImmutableArray<string>.Empty);

    /// <summary>Only these GPU models.</summary>
    public static PlacementConstraints Models(params string[] models) => new([.. models]);
}
