using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A filter for listing tasks; null fields match anything.</summary>
/// <param name="Tenant">Only this tenant's tasks.</param>
/// <param name="State">Only tasks in this state.</param>
/// <param name="Limit">At most this many, newest first.</param>
/// <param name="QueuedIn">Only tasks queued in this data centre's scheduler.</param>
/// <param name="Labels">Only tasks with every one of these labels (<see cref="TaskSpec.Labels"/>).</param>
[GenerateSerializer, Alias("orion.TaskQuery"), Immutable]
public sealed record TaskQuery(
    [property: Id(0)] string? Tenant = null,
    [property: Id(1)] TaskState? State = null,
    [property: Id(2)] int Limit = 1000,
    [property: Id(3)] string? QueuedIn = null,
    [property: Id(4)] ImmutableDictionary<string, string>? Labels = null);
