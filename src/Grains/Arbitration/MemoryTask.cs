using Orion.Contracts;

namespace Orion.Grains.Arbitration;

/// <summary>One task's memory on a card as the memory arbitration sees it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="MemoryMiB">Its memory on the card.</param>
/// <param name="Swappable">Whether its memory may move to host RAM.</param>
/// <param name="WantsResidency">It needs its memory on the device now: running and not paused, or an online task that is busy.</param>
/// <param name="BusyOnline">An online task with requests in flight (the first to be made resident).</param>
/// <param name="LastActive">When it last ran or served; the coldest idle task goes first.</param>
/// <param name="ResidentMiB">Its memory on the device now: between otherwise equal tasks the one with more there stays, so a newcomer does not evict a running equal.</param>
public sealed record MemoryTask(string TaskId, TaskPriority Priority, long MemoryMiB, bool Swappable, bool WantsResidency, bool BusyOnline, DateTimeOffset LastActive, long ResidentMiB = 0);
