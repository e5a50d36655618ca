using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// A deployment: keeps a number of replica tasks of one template live, as a Kubernetes Deployment keeps pods. A replica
/// that ends by itself (failed, completed, cancelled by someone else, lost with its node past its restarts) is replaced,
/// backing off while replicas keep failing; a new template is rolled out by its <see cref="DeploymentStrategy"/> (by
/// default one replica at a time, each new one serving before an old one is cancelled). Key: the deployment's name (<see cref="DeploymentRules.NameRule"/>).
/// </summary>
[Alias("orion.IDeploymentGrain")]
public interface IDeploymentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the deployment, or changes its template or replica count (a new template is a new revision, rolled out;
    /// the same template keeps the revision). With <paramref name="autoscale"/>, the count starts at
    /// <paramref name="replicas"/> held within its bounds and then follows the replicas' demand (a deployment that scales
    /// itself already keeps its count, held within the new bounds); without, it is <paramref name="replicas"/>. Its rollouts
    /// and drains follow <paramref name="strategy"/> (null: <see cref="DeploymentStrategy.Default"/>), a rollout under
    /// way included. Rejected, naming each broken rule, when the template, the count, the autoscale or the strategy breaks
    /// one of <see cref="DeploymentRules"/>, or the template names another tenant than the deployment's; nothing changes then.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Apply")]
    Task<DeploymentResult> Apply(TaskSpec template, int replicas, AutoscaleSpec? autoscale = null, DeploymentStrategy? strategy = null);

    /// <summary>
    /// Changes only the replica count (0 keeps the deployment with no replica); rejected for an unknown deployment, and for
    /// one that scales itself (<see cref="DeploymentStatus.Autoscale"/>).
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Scale")]
    Task<DeploymentResult> Scale(int replicas);

    /// <summary>
    /// Rolls the deployment back to the template of an earlier revision (<paramref name="toRevision"/>, one it still keeps
    /// in <see cref="DeploymentStatus.Revisions"/>; null: the one before the current): that template again, as a new
    /// revision rolled out like any other (so rolling back twice returns to where it began). Rejected for an unknown
    /// deployment, one that has had only one template, and a revision not earlier or no longer kept.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("RollBack")]
    Task<DeploymentResult> RollBack(int? toRevision = null);

    /// <summary>
    /// Pauses its rollout (<paramref name="paused"/>) or resumes it: while paused, replicas of an earlier revision stay
    /// beside those of the current one (a canary to watch), and a new template applied waits; what ends is still made up.
    /// Rejected for an unknown deployment.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("PauseRollout")]
    Task<DeploymentResult> PauseRollout(bool paused);

    /// <summary>Cancels every replica and forgets the deployment; its status before, null when there was none.</summary>
    [Access(Callers.Owner)]
    [Alias("Delete")]
    Task<DeploymentStatus?> Delete(string reason);

    /// <summary>The deployment as of its last look at its replicas; null when there is none.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetStatus"), ReadOnly]
    Task<DeploymentStatus?> GetStatus();

    /// <summary>
    /// Whose deployment it is (null: there is none), answered even in the middle of a change: the directory asks while a
    /// deployment may be waiting on it.
    /// </summary>
    [Access(Callers.None)]
    [Alias("PeekTenant"), AlwaysInterleave]
    Task<string?> PeekTenant();

    /// <summary>
    /// Whether replica <paramref name="taskId"/> may be moved off its node now (a drain, a maintenance window): null while
    /// those of its other replicas not serving (or moving), and those missing, stay within its
    /// <see cref="DeploymentStrategy.DisruptionBudget"/> with it; else why not. Interleaves: the replica asks from inside its move,
    /// which the deployment's own look may be waiting on.
    /// </summary>
    [Access(Callers.None)]
    [Alias("MayMove"), AlwaysInterleave]
    Task<string?> MayMove(string taskId);

    /// <summary>A task labelled as this deployment's replica ended: the deployment looks at once instead of at its next tick.</summary>
    [Access(Callers.None)]
    [Alias("OnReplicaEnded"), OneWay]
    Task OnReplicaEnded(string taskId);

    /// <summary>The deployment's own periodic look at its replicas (its timer, or its reminder after a silo's loss).</summary>
    [Access(Callers.None)]
    [Alias("OnCheckTick"), OneWay]
    Task OnCheckTick();
}
