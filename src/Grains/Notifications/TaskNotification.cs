using Orion.Contracts;

namespace Orion.Grains.Notifications;

/// <summary>What the pool POSTs to a task's notify URL when it ends, or when a run starts (JSON, camelCase).</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Name">Its spec's name.</param>
/// <param name="Tenant">Its tenant.</param>
/// <param name="State">Completed, Failed or Cancelled; Running for a start (<see cref="TaskSpec.NotifyOnStart"/>).</param>
/// <param name="ExitReason">Why it ended, as the pool tells it.</param>
/// <param name="SubmittedAt">When it was submitted.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Runs">How many runs it had.</param>
/// <param name="CardHours">Compute it held, in card-hours.</param>
/// <param name="Labels">Its spec's labels.</param>
/// <param name="Run">Which run (generation) this is of.</param>
/// <param name="StartedAt">When that run started; null when it never did.</param>
/// <param name="Node">The node that run was placed on; null when none.</param>
public sealed record TaskNotification(
    string TaskId, string Name, string Tenant, string State, string? ExitReason, DateTimeOffset SubmittedAt, DateTimeOffset? EndedAt, int Runs,
    double CardHours, IReadOnlyDictionary<string, string>? Labels, long Run, DateTimeOffset? StartedAt, string? Node)
{
    /// <summary>The notification of a task's status: ended, or a run started.</summary>
    public static TaskNotification Of(VGpuTaskStatus status) => new(
        status.TaskId, status.Spec.Name, status.Spec.Tenant, status.State.ToString(), status.ExitReason, status.SubmittedAt, status.EndedAt, status.Runs,
        status.CardSeconds / 3600.0, status.Spec.Labels, status.Generation, status.StartedAt, status.Placement?.NodeId);
}
