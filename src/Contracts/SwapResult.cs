namespace Orion.Contracts;

/// <summary>A daemon's ack of a memory move.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="Applied">False when the task was unknown or the generation stale.</param>
/// <param name="BytesMoved">Bytes this command moved (0 when there was nothing to move).</param>
/// <param name="Duration">Time the transfer took, queueing on the link included.</param>
/// <param name="ResidentMiB">The task's memory on the device afterwards (per card).</param>
/// <param name="HostMiB">The task's memory on host RAM afterwards (per card).</param>
[GenerateSerializer, Alias("orion.SwapResult"), Immutable]
public sealed record SwapResult(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] bool Applied,
    [property: Id(3)] long BytesMoved,
    [property: Id(4)] TimeSpan Duration,
    [property: Id(5)] long ResidentMiB,
    [property: Id(6)] long HostMiB);
