namespace Orion.Contracts;

/// <summary>Sending an online task's demand to one of its cards, the way a request waits for it.</summary>
public static class GpuDemand
{
    /// <summary>
    /// Sends the demand transition and, when the card answers that some of the task's memory is still on host RAM,
    /// waits for it to come back. The answer's <see cref="DemandAck.MemoryPending"/> stays true only when the card
    /// said the memory will not come back for now.
    /// </summary>
    public static async Task<DemandAck> SetDemandUntilResidentAsync(this IGpuGrain card, string taskId, long generation, bool busy, long sequence)
    {
        var ack = await card.SetDemand(taskId, generation, busy, sequence);
        return ack.MemoryPending && await card.WhenResident(taskId, generation) ? ack with { MemoryPending = false } : ack;
    }
}
