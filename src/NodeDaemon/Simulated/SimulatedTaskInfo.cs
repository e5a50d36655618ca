namespace Orion.NodeDaemon.Simulated;

/// <summary>What the simulator knows of one running task.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="GpuMsDone">Reference GPU-ms of work done.</param>
/// <param name="TotalGpuMs">Work in all (infinity for services).</param>
/// <param name="Rate">Reference GPU-ms per wall ms now.</param>
/// <param name="PagesPerCard">Resident pages on each of its cards.</param>
/// <param name="Paused">True while a pause hold is on it.</param>
public sealed record SimulatedTaskInfo(string TaskId, long Generation, double GpuMsDone, double TotalGpuMs, double Rate, long PagesPerCard, bool Paused);
