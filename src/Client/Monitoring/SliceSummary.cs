namespace Orion.Client.Monitoring;

/// <summary>One task's share of one card, as the pool page draws it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Name">Its name (empty when the catalogue does not know it yet).</param>
/// <param name="Tenant">Its tenant.</param>
/// <param name="State">Running, Suspended, Placing... as the task grain last reported.</param>
/// <param name="ComputeMilli">Compute held, thousandths of a card.</param>
/// <param name="MemoryMiB">GPU memory held.</param>
/// <param name="OnHost">True when some or all of its memory is in host RAM now (swapped).</param>
/// <param name="Paused">True when the card's arbitration has paused it.</param>
/// <param name="Busy">True when it is an online task serving requests now.</param>
/// <param name="HostMiB">How much of its memory is in host RAM now (the rest is on the device).</param>
public sealed record SliceSummary(
    string TaskId, string Name, string Tenant, string State, int ComputeMilli, long MemoryMiB, bool OnHost, bool Paused, bool Busy, long HostMiB = 0);
