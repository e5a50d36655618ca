using System.Collections.Immutable;

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
/// <param name="Environment">
/// A process workload's environment variables, over the daemon's (at most <see cref="MaxEnvironment"/>; names the daemon
/// sets for the task's cards and slice, <c>CUDA_VISIBLE_DEVICES</c>, <c>CUDA_DEVICE_ORDER</c>, <c>CUDA_MPS_*</c> and
/// <c>ORION_*</c>, are its own). Null for none.
/// </param>
/// <param name="WorkingDirectory">A process workload's working directory on its node (an absolute path); null for the daemon's.</param>
[GenerateSerializer, Alias("orion.WorkloadSpec"), Immutable]
public sealed record WorkloadSpec(
    [property: Id(0)] WorkloadKind Kind,
    [property: Id(1)] long Count = 0,
    [property: Id(2)] double GpuMsPerUnit = 0,
    [property: Id(3)] double RequestsPerSecond = 0,
    [property: Id(4)] long MemoryMiB = 0,
    [property: Id(5)] string? CommandLine = null,
    [property: Id(6)] ImmutableDictionary<string, string>? Environment = null,
    [property: Id(7)] string? WorkingDirectory = null)
{
    /// <summary>The most environment variables a process workload may set.</summary>
    public const int MaxEnvironment = 128;

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
