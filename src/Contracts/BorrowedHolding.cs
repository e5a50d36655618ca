namespace Orion.Contracts;

/// <summary>What a task on borrowed room holds of its node's host, beside its card slices: what evicting it frees.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation it holds under.</param>
/// <param name="CpuMilli">Host CPU.</param>
/// <param name="HostMemoryMiB">Host memory.</param>
[GenerateSerializer, Alias("orion.BorrowedHolding"), Immutable]
public sealed record BorrowedHolding(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] long CpuMilli,
    [property: Id(3)] long HostMemoryMiB);
