namespace Orion.Contracts;

/// <summary>
/// How a deployment may take its replicas out of service: how a new template is rolled out (Kubernetes' rolling update,
/// <see cref="MaxSurge"/> and <see cref="MaxUnavailable"/>) and how many of its replicas drains and maintenance windows
/// may move at once (<see cref="DisruptionBudget"/>, as a PodDisruptionBudget's maxUnavailable). Each is a count or a
/// share of the deployment's count (<see cref="ReplicaCount.Share"/>).
/// </summary>
[GenerateSerializer, Alias("orion.DeploymentStrategy"), Immutable]
public sealed record DeploymentStrategy
{
    /// <summary>One new replica beside the old ones at a time, none fewer serving; one replica moved at a time.</summary>
    public static DeploymentStrategy Default { get; } = new();

    /// <summary>
    /// How many replicas beyond the count a rollout may have live at once (a count 0 to
    /// <see cref="DeploymentRules.MaxReplicas"/> or 0% to 100%, rounded up; default 1): each new one must find room before
    /// an old one goes. 0 on a pool with no card to spare, with <see cref="MaxUnavailable"/> above 0, so an old replica
    /// makes the room.
    /// </summary>
    [Id(0)]
    public ReplicaCount MaxSurge { get; init; } = 1;

    /// <summary>
    /// How many fewer than the count may serve during a rollout (a count or 0% to 100%, rounded down; default 0): old
    /// replicas are cancelled before new ones serve in their place, down to the count less this. Not 0 when
    /// <see cref="MaxSurge"/> is 0; where both come to 0 replicas for a small count, one may be missing, as Kubernetes has it.
    /// </summary>
    [Id(1)]
    public ReplicaCount MaxUnavailable { get; init; }

    /// <summary>
    /// How many replicas may be out of service at once for a drain or a maintenance window's move (a count 1 to
    /// <see cref="DeploymentRules.MaxReplicas"/> or 1% to 100%, rounded up; default 1), counting those that do not serve for
    /// any other reason and those missing: a replica is moved only while that stays within it. A forced drain and a
    /// maintenance window's start do not ask.
    /// </summary>
    [Id(2)]
    public ReplicaCount DisruptionBudget { get; init; } = 1;

    /// <summary>
    /// How long a replica must have run before it counts as serving (0 to 1 day; default 0), as Kubernetes'
    /// minReadySeconds: an inference server loading its weights is not yet worth an old replica, so a rollout cancels no
    /// old one and a drain moves no other replica until its successor has run this long; with a readiness probe
    /// (<see cref="TaskSpec.Readiness"/>), this long since its probe last turned passing.
    /// </summary>
    [Id(3)]
    public TimeSpan MinReady { get; init; }

    /// <summary>
    /// Roll back by itself when a rollout fails: once the new revision's replicas have failed
    /// <see cref="DeploymentRules.RolloutFailures"/> times in a row, the spec of the last revision rolled out in full is
    /// rolled out again (as <c>orion rollback</c> would, a new revision); also once it passes its
    /// <see cref="ProgressDeadline"/>. Not from a revision it rolled back to itself, so
    /// two bad specs never take turns. Needs <see cref="MinReady"/> above 0: a replica that crashes
    /// a moment after it starts would otherwise count as serving, and the bad revision as rolled out.
    /// </summary>
    [Id(4)]
    public bool RollBackOnFailure { get; init; }

    /// <summary>
    /// How long a rollout may go without progress before it counts as failed (0: never, the default; else 1 minute to 1
    /// day, above <see cref="MinReady"/>), as Kubernetes' progressDeadlineSeconds: progress is a new replica serving
    /// beyond any before it, or an old one gone. A revision whose replicas never turn ready (a readiness probe that never
    /// passes, a replica no card can hold) then fails its rollout: waiters hear it, the feed says so, and with
    /// <see cref="RollBackOnFailure"/> it is rolled back. A paused rollout's time does not count.
    /// </summary>
    [Id(5)]
    public TimeSpan ProgressDeadline { get; init; }

    /// <summary>Whether a replica serving since <paramref name="since"/> (<see cref="VGpuTaskStatus.ServingSince"/>) has warmed up by <paramref name="now"/>.</summary>
    public bool Warm(DateTimeOffset? since, DateTimeOffset now) => MinReady <= TimeSpan.Zero || since is { } at && now - at >= MinReady;

    /// <summary>The rollout's surge and unavailability for a deployment of <paramref name="replicas"/>, never both 0.</summary>
    public (int Surge, int Unavailable) RolloutFor(int replicas)
    {
        var (surge, unavailable) = (MaxSurge.Of(replicas, roundUp: true), MaxUnavailable.Of(replicas, roundUp: false));
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    /// <summary>How many replicas of a deployment of <paramref name="replicas"/> drains may take out at once: at least 1.</summary>
    public int BudgetFor(int replicas) => Math.Max(1, DisruptionBudget.Of(replicas, roundUp: true));

    /// <summary>
    /// "surge S, unavailable U; drains move B at a time[; ready after D running][; fails after P without progress][; rolls
    /// back on failure]", each as given ("25%" or a count).
    /// </summary>
    public override string ToString() =>
        $"surge {MaxSurge}, unavailable {MaxUnavailable}; drains move {DisruptionBudget} at a time{(MinReady > TimeSpan.Zero ? $"; ready after {Durations.Format(MinReady)} running" : "")}"
        + $"{(ProgressDeadline > TimeSpan.Zero ? $"; fails after {Durations.Format(ProgressDeadline)} without progress" : "")}{(RollBackOnFailure ? "; rolls back on failure" : "")}";
}
