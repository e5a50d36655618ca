namespace Orion.NodeDaemon.Simulated;

/// <summary>What the simulator knows of one card.</summary>
/// <param name="GpuId">The card.</param>
/// <param name="TotalPages">Pages of device memory.</param>
/// <param name="ResidentPages">Pages held by tasks.</param>
/// <param name="BusyFraction">Share of the card's compute in use now (0..1).</param>
/// <param name="Tasks">Tasks on it.</param>
public sealed record SimulatedCardInfo(string GpuId, long TotalPages, long ResidentPages, double BusyFraction, IReadOnlyList<string> Tasks);
