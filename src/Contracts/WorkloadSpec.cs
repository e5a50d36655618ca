namespace Orion.Contracts;

/// <summary>
/// The work a task does. GPU milliseconds are measured on the reference card (relative speed 1.0) at
/// 100% compute; a faster card or a smaller share scales the wall time.
/// </summary>
/// <param name="Kind">The workload's kind; it decides which of the other fields apply.</param>
/// <param name="Count">Batch items or training steps.</param>
/// <param name="GpuMsPerUnit">GPU milliseconds per item, step or request.</param>
/// <param name="RequestsPerSecond">A service's steady request rate.</param>
/// <param name="MemoryMiB">A training job's GPU memory footprint per card (at most the task's GPU memory).</param>
/// <param name="CommandLine">The command of a process workload.</param>
[GenerateSerializer, Alias("orion.WorkloadSpec"), Immutable]
public sealed record WorkloadSpec(
    [property: Id(0)] WorkloadKind Kind,
    [property: Id(1)] long Count = 0,
    [property: Id(2)] double GpuMsPerUnit = 0,
    [property: Id(3)] double RequestsPerSecond = 0,
    [property: Id(4)] long MemoryMiB = 0,
    [property: Id(5)] string? CommandLine = null)
{
    /// <summary>An online service taking <paramref name="gpuMsPerRequest"/> per request at <paramref name="requestsPerSecond"/>.</summary>
    public static WorkloadSpec Service(double requestsPerSecond, double gpuMsPerRequest) =>
        new(WorkloadKind.Service, GpuMsPerUnit: gpuMsPerRequest, RequestsPerSecond: requestsPerSecond);

    /// <summary>A batch of <paramref name="items"/> items, each taking <paramref name="gpuMsPerItem"/>.</summary>
    public static WorkloadSpec Batch(long items, double gpuMsPerItem) => new(WorkloadKind.Batch, items, gpuMsPerItem);

    /// <summary>A training job of <paramref name="steps"/> steps with a memory footprint per card.</summary>
    public static WorkloadSpec Training(long steps, double gpuMsPerStep, long memoryMiB) =>
        new(WorkloadKind.Training, steps, gpuMsPerStep, MemoryMiB: memoryMiB);

    /// <summary>A real process (NVIDIA backend).</summary>
    public static WorkloadSpec Process(string commandLine) => new(WorkloadKind.Process, CommandLine: commandLine);

    /// <summary>Total GPU milliseconds of a finite workload on the reference card; null for services and processes.</summary>
    public double? TotalGpuMs => Kind is WorkloadKind.Batch or WorkloadKind.Training ? Count * GpuMsPerUnit : null;
}
