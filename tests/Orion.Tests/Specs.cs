using Orion.Contracts;

namespace Orion.Tests;

/// <summary>Spec builders for tests.</summary>
public static class Specs
{
    public static TaskSpec Batch(
        double computePercent = 50,
        long gpuMemoryMiB = 8192,
        long items = 10,
        double gpuMsPerItem = 100,
        PriorityClass priority = PriorityClass.Offline,
        int level = 0,
        string name = "batch",
        string tenant = "team-a",
        long cpuMilli = 1000,
        long hostMemoryMiB = 1024,
        string[]? models = null) =>
        new(name, tenant, new TaskPriority(priority, level),
            ResourceRequest.Slice(computePercent, gpuMemoryMiB, cpuMilli, hostMemoryMiB),
            models is null ? PlacementConstraints.None : PlacementConstraints.Models(models),
            WorkloadSpec.Batch(items, gpuMsPerItem));

    public static TaskSpec Training(int gpus, long steps = 10, double gpuMsPerStep = 100, long memoryMiB = 40_960, PriorityClass priority = PriorityClass.Training, string name = "train") =>
        new(name, "research", new TaskPriority(priority), ResourceRequest.WholeGpus(gpus, 4000, 16_384), PlacementConstraints.None,
            WorkloadSpec.Training(steps, gpuMsPerStep, memoryMiB));

    public static TaskSpec Service(double computePercent = 30, long gpuMemoryMiB = 16_384, string name = "svc", double requestsPerSecond = 40, double gpuMsPerRequest = 5) =>
        new(name, "online", new TaskPriority(PriorityClass.Online), ResourceRequest.Slice(computePercent, gpuMemoryMiB, 2000, 4096),
            PlacementConstraints.None, WorkloadSpec.Service(requestsPerSecond, gpuMsPerRequest));
}
