using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client;

/// <summary>What the pool would do with a task submitted now (<see cref="OrionClient.PreviewAsync"/>); nothing was submitted.</summary>
/// <param name="Quota">
/// Its tenant's answer: Admitted, Borrowed (beyond the quota, on idle room), Waiting (in its tenant's line; the limits in
/// the way) or Refused (no room under the quota could ever take it).
/// </param>
/// <param name="Awaiting">The tasks it runs after that have not yet ended as it asks: it would be Blocked until they have.</param>
/// <param name="Refusals">Why the submit would be refused: a task it runs after that does not exist or has failed.</param>
/// <param name="DataCenters">Each data centre's scheduler's answer, in the order a submit tries them.</param>
/// <param name="AfterCondition">How the tasks in <paramref name="Awaiting"/> must end (the spec's).</param>
/// <param name="Count">The tasks previewed: a job array's size, a gang's, or 1.</param>
public sealed record TaskPreview(
    AdmitResult Quota, ImmutableList<string> Awaiting, ImmutableArray<ValidationError> Refusals, ImmutableArray<PlacementPreview> DataCenters,
    AfterCondition AfterCondition = AfterCondition.Completed, int Count = 1)
{
    /// <summary>
    /// The data centre where every task previewed would run now; null when they would not all run at once (refused, blocked,
    /// waiting for the quota, or room for fewer of them).
    /// </summary>
    public PlacementPreview? RunsOn =>
        Refusals.IsEmpty && Awaiting.IsEmpty && Quota.Outcome is AdmitOutcome.Admitted or AdmitOutcome.Borrowed
            ? DataCenters.FirstOrDefault(d => d.NodeId is not null && d.Fits >= Count)
            : null;
}
