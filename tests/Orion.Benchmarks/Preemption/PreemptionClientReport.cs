namespace Orion.Benchmarks.Preemption;

/// <summary>What the client process measured, in microseconds.</summary>
public sealed record PreemptionClientReport(double[] TransitionsUs, double[] FloorUs, long TransitionsSent);
