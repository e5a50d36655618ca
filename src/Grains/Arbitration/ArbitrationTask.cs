using Orion.Contracts;

namespace Orion.Grains.Arbitration;

/// <summary>One task on a card as the arbitration sees it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="ComputeMilli">Its compute share of the card.</param>
/// <param name="Busy">An online task with requests in flight (idle online tasks want nothing).</param>
/// <param name="Started">Its process runs on the card (a reserved task not yet started cannot be paused).</param>
/// <param name="PausedFor">How long it has yielded on this card in pauses that have ended (not the one under way, so a
/// decision does not flip within a busy spell).</param>
/// <param name="Resident">All its memory is on the device, so it can run the moment it resumes.</param>
public sealed record ArbitrationTask(string TaskId, TaskPriority Priority, int ComputeMilli, bool Busy, bool Started = true, TimeSpan PausedFor = default, bool Resident = true)
{
    public bool IsOnline => Priority.Class == PriorityClass.Online;
}
