namespace Orion.Grains.Scheduling;

/// <summary>A running task a <see cref="MovePlan"/> moves off its node.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation it holds its node under.</param>
/// <param name="FitsOn">A node that takes it now, as planned; it queues again and is placed by the next round, which may choose another.</param>
public sealed record MovedTask(string TaskId, long Generation, string FitsOn);
