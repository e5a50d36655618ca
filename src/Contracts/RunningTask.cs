namespace Orion.Contracts;

/// <summary>A task a daemon really runs, as it reports when it (re)registers.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The generation it runs under.</param>
[GenerateSerializer, Alias("orion.RunningTask"), Immutable]
public sealed record RunningTask(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation);
