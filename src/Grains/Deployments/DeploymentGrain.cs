using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orleans.Runtime;

namespace Orion.Grains.Deployments;

/// <summary>
/// Keeps a deployment's replica tasks live: submits what is missing, cancels what is surplus or outdated, replaces what
/// ended (backing off while replicas keep failing). It looks at its replicas on a timer of the Orion clock and at once
/// after every change; a durable reminder brings it back after its silo's loss when the pool keeps state in storage.
/// Decisions are <see cref="ReplicaPlan"/>'s; this grain keeps the record and sends the messages.
/// </summary>
public sealed class DeploymentGrain(
    [PersistentState("deployment", PoolOptions.StorageName)] IPersistentState<DeploymentRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    IOptions<PoolOptions> options,
    ILogger<DeploymentGrain> logger) : Grain, IDeploymentGrain, IRemindable, Access.IAccessTarget
{
    private const string CheckReminder = "check";

    // Ids taken by tasks of someone else are skipped, up to this many per replica.
    private const int IdAttempts = 16;

    private ITimer? timer;

    // Autoscaling's soft state: each replica's busy time at the last look, the counts recommended, and since when.
    private readonly Dictionary<string, (long Generation, DateTimeOffset At, TimeSpan Busy)> busySamples = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, int Replicas)> recommendations = [];
    private DateTimeOffset? measuringSince;
    private double? busyPercent;
    private readonly Dictionary<string, CounterReading> counterSamples = new(StringComparer.Ordinal);
    private double? metricValue;
    private string? metricUnread;
    private DateTimeOffset? checkedAt;

    // The replicas last allowed to move, and when: each holds a turn for a while (its state changes within it: it stops serving).
    private static readonly TimeSpan MoveGrantHold = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, DateTimeOffset> movesGranted = new(StringComparer.Ordinal);

    private string Name => this.GetPrimaryKeyString();

    private DeploymentStatus? Status => record.State.Template is { } template
        ? new DeploymentStatus(Name, template, record.State.Replicas, record.State.Revision, [.. record.State.Tasks], record.State.CreatedAt,
            record.State.UpdatedAt, record.State.FailuresInRow, record.State.ReplaceAfter, record.State.LastFailure, record.State.Autoscale, busyPercent, checkedAt,
            [.. record.State.History], record.State.Paused, record.State.Strategy ?? DeploymentStrategy.Default, record.State.Stalled,
            record.State.RolledBack, metricValue, metricUnread)
        : null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (record.State.Template is not null)
        {
            Arm();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        timer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<DeploymentResult> Apply(TaskSpec template, int replicas, AutoscaleSpec? autoscale = null, DeploymentStrategy? strategy = null)
    {
        var errors = DeploymentRules.Validate(Name, template, replicas).AddRange(DeploymentRules.CheckAutoscale(autoscale, template))
            .AddRange(DeploymentRules.CheckStrategy(strategy));
        if (record.State.Template is { } had && template is not null && template.Tenant != had.Tenant)
        {
            errors = errors.Add(new("template.tenant", $"must stay '{had.Tenant}': a deployment's replicas are one tenant's (delete it to create it anew under another)"));
        }

        // A class its tenant may not run would have every replica refused: refused here instead.
        if (errors.IsEmpty && await GrainFactory.Grain<ITenantGrain>(template!.Tenant).PriorityRefusal(template.Priority.Class) is { } capped)
        {
            errors = errors.Add(capped with { Field = $"template.{capped.Field}" });
        }

        if (!errors.IsEmpty)
        {
            return DeploymentResult.Rejected(errors);
        }

        var now = time.GetUtcNow();
        var before = record.State.Clone();
        strategy = strategy == DeploymentStrategy.Default ? null : strategy;
        if (autoscale is not null)
        {
            // One that scales itself already keeps the count its demand asked for: applying it again (a new spec, new
            // bounds, the same manifest from a pipeline) does not reset that, only holds it within the bounds.
            replicas = Math.Clamp(record.State is { Template: not null, Autoscale: not null } ? record.State.Replicas : replicas, autoscale.Min, autoscale.Max);
        }

        if (record.State.Template is not { } current)
        {
            record.State = new DeploymentRecord
            {
                Template = template, Replicas = replicas, Revision = 1, CreatedAt = now, UpdatedAt = now, Autoscale = autoscale, History = [new(1, template!, now)],
                Strategy = strategy,
            };
            logger.LogInformation("Deployment {Deployment} created: {Replicas} replicas of {Name} ({Tenant})", Name, replicas, template!.Name, template.Tenant);
        }
        else
        {
            var changed = !SpecIdentity.Same(current, template!);
            if (changed)
            {
                NewRevision(template!, now);
                record.State.AutoRolledBack = false;
            }

            if (autoscale != record.State.Autoscale)
            {
                logger.LogInformation("Deployment {Deployment} scales {How}", Name, autoscale is null ? "by hand" : $"itself from {autoscale.Min} to {autoscale.Max} at {Target(autoscale)}");
                record.State.Autoscale = autoscale;
                (busyPercent, metricValue, metricUnread) = (null, null, null);
                counterSamples.Clear();
                record.State.UpdatedAt = now;
                recommendations.Clear();
                measuringSince = null;
            }

            if (strategy != record.State.Strategy)
            {
                logger.LogInformation("Deployment {Deployment} strategy: {Strategy}", Name, strategy ?? DeploymentStrategy.Default);
                record.State.Strategy = strategy;
                record.State.UpdatedAt = now;
            }

            if (changed || replicas != record.State.Replicas)
            {
                logger.LogInformation("Deployment {Deployment} keeps {Replicas} replicas (was {Before})", Name, replicas, record.State.Replicas);
                record.State.Replicas = replicas;
                record.State.UpdatedAt = now;
            }
        }

        await Commit(before);
        if (record.State.Revision != before.Revision && before.Template is not null)
        {
            Notice(PoolEventKinds.Rollout, Name, "", $"{Name} rolls out revision {record.State.Revision}");
        }

        await GrainFactory.Grain<IDeploymentDirectoryGrain>(GrainKeys.Pool).Set(Name, true);
        await KeepReminder();
        Arm();
        await Check();
        return DeploymentResult.Ok(Status!);
    }

    public async Task<DeploymentResult> Scale(int replicas)
    {
        if (record.State.Template is not { } template)
        {
            return DeploymentResult.Rejected([new("name", $"'{Name}' is not a deployment")]);
        }

        if (record.State.Autoscale is { } autoscale)
        {
            return DeploymentResult.Rejected([new("replicas", $"must not be set by hand: the deployment scales itself from {autoscale.Min} to {autoscale.Max} by its replicas' demand (deploy it without autoscale to set its count)")]);
        }

        var errors = DeploymentRules.CheckReplicas(replicas);
        return errors.IsEmpty ? await Apply(template, replicas, null, record.State.Strategy) : DeploymentResult.Rejected(errors);
    }

    public Task<DeploymentResult> RollBack(int? toRevision = null)
    {
        if (record.State.Template is null)
        {
            return Task.FromResult(DeploymentResult.Rejected([new("name", $"'{Name}' is not a deployment")]));
        }

        var (target, errors) = RevisionHistory.Target(record.State.Revision, record.State.History, record.State.PreviousTemplate, toRevision);
        return target is null ? Task.FromResult(DeploymentResult.Rejected(errors)) : Apply(target, record.State.Replicas, record.State.Autoscale, record.State.Strategy);
    }

    public async Task<DeploymentResult> PauseRollout(bool paused)
    {
        if (record.State.Template is null)
        {
            return DeploymentResult.Rejected([new("name", $"'{Name}' is not a deployment")]);
        }

        if (record.State.Paused != paused)
        {
            var before = record.State.Clone();
            record.State.Paused = paused;
            record.State.UpdatedAt = time.GetUtcNow();
            await Commit(before);
            logger.LogInformation("Deployment {Deployment} rollout {Paused} at revision {Revision}", Name, paused ? "paused" : "resumed", record.State.Revision);
            await Check();
        }

        return DeploymentResult.Ok(Status!);
    }

    public async Task<DeploymentStatus?> Delete(string reason)
    {
        if (Status is not { } status)
        {
            return null;
        }

        // Nothing is replaced from here on, also if some replica cannot be cancelled now and the delete must be repeated.
        if (record.State.Replicas != 0 || record.State.Autoscale is not null)
        {
            var before = record.State.Clone();
            (record.State.Replicas, record.State.Autoscale) = (0, null);
            await Commit(before);
        }

        var cancelled = await Task.WhenAll(status.Tasks.Select(t => Cancel(t.TaskId, $"deployment {Name} deleted: {reason}")));
        if (cancelled.Contains(false))
        {
            var left = status.Tasks.Where((_, i) => !cancelled[i]).ToList();
            var before = record.State.Clone();
            record.State.Tasks = left;
            await Commit(before);
            throw new InvalidOperationException(
                $"deployment {Name}: {string.Join(", ", left.Select(t => t.TaskId))} could not be cancelled now; it keeps no replicas and is deleted when asked again");
        }

        logger.LogInformation("Deployment {Deployment} deleted: {Reason}", Name, reason);
        timer?.Dispose();
        timer = null;
        await record.ClearStateAsync();
        record.State = new DeploymentRecord();
        await GrainFactory.Grain<IDeploymentDirectoryGrain>(GrainKeys.Pool).Set(Name, false);
        if (await this.GetReminder(CheckReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        return status;
    }

    public Task<DeploymentStatus?> GetStatus() => Task.FromResult(Status);

    public Task<string?> PeekTenant() => Task.FromResult(record.State.Template?.Tenant);

    /// <summary>Its tenant's.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => new(record.State.Template?.Tenant, null);

    public Task OnCheckTick() => Check();

    /// <summary>The other replicas allowed to move within the hold: each counts as out of service until its move shows.</summary>
    private List<string> Moving(string taskId, DateTimeOffset now)
    {
        foreach (var gone in movesGranted.Where(g => now - g.Value >= MoveGrantHold).Select(g => g.Key).ToList())
        {
            movesGranted.Remove(gone);
        }

        return [.. movesGranted.Keys.Where(k => k != taskId).Order(StringComparer.Ordinal)];
    }

    public async Task<string?> MayMove(string taskId)
    {
        // Replicas asking at once (their nodes drained together) each see the others serving: those allowed hold a turn
        // until their move shows (they stop serving) or the hold passes. Counted again after the reads, which interleave.
        var now = time.GetUtcNow();
        var strategy = record.State.Strategy ?? DeploymentStrategy.Default;
        var budget = strategy.BudgetFor(record.State.Replicas);
        if (Moving(taskId, now) is var moving && moving.Count >= budget)
        {
            return Refusal(budget, [.. moving.Select(m => $"{m} is moving")]);
        }

        var others = record.State.Tasks.Where(t => t.TaskId != taskId).ToList();
        var statuses = await Task.WhenAll(others.Select(t => Peek(t.TaskId)));

        // One that cannot be read counts as not serving, as one still warming up or not ready: a move is a choice, so it waits rather than guesses.
        var down = others.Where((_, i) => statuses[i]?.Value is not { State: TaskState.Running or TaskState.Suspended, Placement: not null } running
            || running.Ready == false || !strategy.Warm(running.ServingSince, now)).Select(t => t.TaskId).ToList();
        var missing = Math.Max(0, record.State.Replicas - record.State.Tasks.Count);
        var granted = Moving(taskId, now).Except(down).ToList();
        if (down.Count + granted.Count + missing < budget)
        {
            movesGranted[taskId] = now;
            return null;
        }

        return Refusal(budget,
        [
            .. granted.Select(m => $"{m} is moving"),
            down.Count > 0 ? $"{string.Join(", ", down.Take(3))}{(down.Count > 3 ? ", …" : "")} not serving" : null,
            missing > 0 ? $"{missing} replica(s) missing" : null,
        ]);
    }

    private string Refusal(int budget, IEnumerable<string?> why) =>
        $"deployment {Name} moves {(budget == 1 ? "its replicas one at a time" : $"at most {budget} of its replicas at a time")} ({string.Join(", ", why.OfType<string>())})";

    public Task OnReplicaEnded(string taskId) =>
        record.State.Tasks.Any(t => t.TaskId == taskId) ? Check() : Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (record.State.Template is null)
        {
            // Left behind by a delete whose unregistering failed.
            if (await this.GetReminder(CheckReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        await Check();
    }

    /// <summary>
    /// One look: reads every live replica, lets go of those that ended (counting failures), then cancels and submits as
    /// <see cref="ReplicaPlan.Decide"/> says. Written only when something changed.
    /// </summary>
    private async Task Check()
    {
        if (record.State.Template is not { } template)
        {
            return;
        }

        var now = time.GetUtcNow();
        var before = record.State.Clone();
        var strategy = record.State.Strategy ?? DeploymentStrategy.Default;
        var statuses = await Task.WhenAll(record.State.Tasks.Select(t => Peek(t.TaskId)));
        var live = new List<DeploymentReplica>();
        var running = new List<VGpuTaskStatus>();
        foreach (var (replica, status) in record.State.Tasks.Zip(statuses))
        {
            if (status is null)
            {
                // Not readable now: kept as it was, read again at the next look.
                live.Add(replica);
            }
            else if (status.Value is not { } task || task.State.IsTerminal())
            {
                Ended(replica, status.Value, now);
            }
            else
            {
                var serving = task.State is TaskState.Running or TaskState.Suspended;
                live.Add(replica with { State = task.State, NodeId = task.Placement?.NodeId, Warming = serving && task.Ready != false && !strategy.Warm(task.ServingSince, now), NotReady = serving && task.Ready == false });
                if (task.State is TaskState.Running or TaskState.Suspended && task.Placement is not null)
                {
                    running.Add(task);
                }
            }
        }

        record.State.Tasks = live;

        // Before the roll back: one that passed its deadline now goes back in the same look.
        WatchProgress(strategy, now);
        if (strategy.RollBackOnFailure
            && RevisionHistory.FailedRolloutTarget(
                record.State.Revision, record.State.FailuresInRow, record.State.LastRolledOut, record.State.History, record.State.AutoRolledBack, record.State.Stalled) is { } back)
        {
            var failed = record.State.Revision;
            var why = record.State.FailuresInRow >= DeploymentRules.RolloutFailures
                ? $"revision {failed}'s replicas failed {record.State.FailuresInRow} in a row (last: {record.State.LastFailure})"
                : $"revision {failed}'s rollout made no progress in {Durations.Format(strategy.ProgressDeadline)}";
            NewRevision(back.Template, now);
            record.State.AutoRolledBack = true;
            record.State.RolledBack = why;
            template = back.Template;
            logger.LogWarning("Deployment {Deployment} rolled back to revision {Back} as {Revision}: {Why}", Name, back.Revision, record.State.Revision, why);
            Notice(PoolEventKinds.Rollout, Name, "", $"{Name} rolled back to revision {back.Revision}'s spec as revision {record.State.Revision}: {why}");
        }
        else if (record.State.RolloutSince is not null && before.FailuresInRow < DeploymentRules.RolloutFailures && record.State.FailuresInRow >= DeploymentRules.RolloutFailures)
        {
            Notice(PoolEventKinds.Rollout, Name, "",
                $"{Name}'s rollout of revision {record.State.Revision} is failing: its replicas failed {record.State.FailuresInRow} in a row (last: {record.State.LastFailure})");
        }

        if (record.State.Autoscale is { Metric: { } metric } byMetric)
        {
            await ScaleByMetric(byMetric, metric, running, now);
        }
        else if (record.State.Autoscale is { } autoscale)
        {
            await ScaleByDemand(autoscale, running, now);
        }

        var decision = ReplicaPlan.Decide(record.State.Replicas, record.State.Revision, live, record.State.Paused, strategy);
        await Task.WhenAll(
            decision.ScaledDown.Select(id => Remove(id, $"deployment {Name} scaled down to {record.State.Replicas}"))
                .Concat(decision.Replaced.Select(id => Remove(id, $"deployment {Name} replaced it with revision {record.State.Revision}"))));

        if (decision.Submit > 0 && (record.State.ReplaceAfter is not { } after || now >= after))
        {
            record.State.ReplaceAfter = null;
            var spec = DeploymentRules.ReplicaSpec(Name, template, record.State.Revision);
            for (var i = 0; i < decision.Submit && record.State.ReplaceAfter is null; i++)
            {
                await Add(spec, now);
            }
        }

        var rolledOut = Status is { RolledOut: true };
        if (rolledOut)
        {
            record.State.LastRolledOut = record.State.Revision;
        }

        if (record.State.RolloutSince is { } since && rolledOut)
        {
            record.State.RolloutSince = null;
            Notice(PoolEventKinds.Rollout, Name, "", $"{Name} rolled out revision {record.State.Revision} in {Durations.Format(TimeSpan.FromSeconds(Math.Round((now - since).TotalSeconds)))}: {record.State.Replicas} ready");
        }

        if (!before.SameAs(record.State))
        {
            await Commit(before);
        }

        checkedAt = now;
    }

    /// <summary>
    /// Notes a rollout's progress (new replicas serving less old ones live, above its best so far), and once it has gone its
    /// strategy's progress deadline without any, marks it stalled and says so; progress again, or the rollout done, clears
    /// it. A paused rollout waits by choice: its clock starts again.
    /// </summary>
    private void WatchProgress(DeploymentStrategy strategy, DateTimeOffset now)
    {
        if (record.State.RolloutSince is null || Status is not { RolledOut: false } status)
        {
            // Rolled out after all (its replicas turned ready late): no longer failed.
            record.State.Stalled = false;
            return;
        }

        var mark = status.Ready - (status.Tasks.Length - status.Current);
        if (record.State.ProgressAt is null || mark > record.State.ProgressMark || record.State.Paused)
        {
            (record.State.ProgressAt, record.State.ProgressMark) = (now, record.State.ProgressAt is null ? mark : Math.Max(mark, record.State.ProgressMark));
            record.State.Stalled = false;
        }
        else if (strategy.ProgressDeadline > TimeSpan.Zero && !record.State.Stalled && now - record.State.ProgressAt >= strategy.ProgressDeadline)
        {
            record.State.Stalled = true;
            logger.LogWarning("Deployment {Deployment}'s rollout of revision {Revision} made no progress in {Deadline}", Name, record.State.Revision, strategy.ProgressDeadline);
            Notice(PoolEventKinds.Rollout, Name, "",
                $"{Name}'s rollout of revision {record.State.Revision} failed: no progress in {Durations.Format(strategy.ProgressDeadline)} ({status.Ready} of {status.Replicas} new replicas ready)");
        }
    }

    /// <summary>A new template is a new revision, and a fresh start: failures of the old one say nothing of it.</summary>
    private void NewRevision(TaskSpec template, DateTimeOffset now)
    {
        record.State.PreviousTemplate = record.State.Template;
        record.State.Template = template;
        record.State.Revision++;
        record.State.History = RevisionHistory.Append(record.State.History, new(record.State.Revision, template, now));
        record.State.FailuresInRow = 0;
        record.State.ReplaceAfter = null;
        record.State.LastFailure = null;
        record.State.RolloutSince = record.State.Tasks.Count > 0 ? now : null;
        (record.State.ProgressAt, record.State.ProgressMark, record.State.Stalled, record.State.RolledBack) = (null, 0, false, null);
        logger.LogInformation("Deployment {Deployment} rolls out revision {Revision}", Name, record.State.Revision);
    }

    /// <summary>
    /// Measures how busy each running replica was since the last look (its first card's busy time, as its lease or daemon
    /// signals demand) and sets the count <see cref="ReplicaAutoscaler"/> decides. A replica first seen, restarted, or on
    /// a card that started counting again is measured from this look on.
    /// </summary>
    private async Task ScaleByDemand(AutoscaleSpec autoscale, List<VGpuTaskStatus> running, DateTimeOffset now)
    {
        var busy = await Task.WhenAll(running.Select(async t =>
        {
            try
            {
                return await GrainFactory.Grain<IGpuGrain>(t.Placement!.GpuIds[0]).GetBusyTime(t.TaskId, t.Generation);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Deployment {Deployment} could not read how busy {TaskId} was", Name, t.TaskId);
                return null;
            }
        }));
        var shares = new List<double>();
        foreach (var (task, total) in running.Zip(busy))
        {
            if (total is not { } b)
            {
                continue;
            }

            if (busySamples.TryGetValue(task.TaskId, out var last) && last.Generation == task.Generation && now > last.At && b >= last.Busy)
            {
                shares.Add(Math.Min(1, (b - last.Busy) / (now - last.At)));
            }

            busySamples[task.TaskId] = (task.Generation, now, b);
        }

        foreach (var gone in busySamples.Keys.Except(running.Select(t => t.TaskId)).ToList())
        {
            busySamples.Remove(gone);
        }

        if (shares.Count == 0)
        {
            return;
        }

        var mean = shares.Average();
        // Measured, not kept: a write every look would cost more than measuring again after a reactivation.
        busyPercent = Math.Round(mean * 100, 1);
        Recommend(autoscale, ReplicaAutoscaler.Recommend(shares.Count, mean, autoscale), $"{mean * 100:0.#}% busy", now);
    }

    /// <summary>
    /// Has each ready replica's daemon read the deployment's metric from the replica's own page (in parallel; a rate from
    /// the counter's last reading of the same run) and sets the count <see cref="ReplicaAutoscaler"/> decides from them.
    /// </summary>
    private async Task ScaleByMetric(AutoscaleSpec autoscale, ScaleMetric metric, List<VGpuTaskStatus> running, DateTimeOffset now)
    {
        var rate = metric.Selector?.Rate == true;
        var readings = await Task.WhenAll(running.Select(async t =>
        {
            if (t.Ready == false)
            {
                return MetricReading.Failed("not ready");
            }

            try
            {
                return await GrainFactory.Grain<INodeGrain>(t.Placement!.NodeId).ReadMetric(t.TaskId, t.Generation, metric);
            }
            catch (Exception ex)
            {
                return MetricReading.Failed($"its node did not answer: {ex.Message}");
            }
        }));
        var values = new List<double>();
        string? unread = null;
        foreach (var (task, reading) in running.Zip(readings))
        {
            var value = reading.Value;
            if (rate && value is { } total)
            {
                var counter = CounterReading.Next(counterSamples.TryGetValue(task.TaskId, out var last) ? last : null, task.Generation, now, total);
                counterSamples[task.TaskId] = counter;
                value = counter.Rate;
            }

            if (value is { } v)
            {
                values.Add(v);
            }
            else
            {
                unread ??= reading.Failure is { } why ? $"{task.TaskId}: {why}" : $"{task.TaskId}: first reading of its counter";
            }
        }

        foreach (var gone in counterSamples.Keys.Except(running.Select(t => t.TaskId)).ToList())
        {
            counterSamples.Remove(gone);
        }

        metricUnread = unread;
        if (ReplicaAutoscaler.RecommendByMetric(values, running.Count - values.Count, autoscale) is not { } recommended)
        {
            return;
        }

        metricValue = Math.Round(values.Average(), 3);
        Recommend(autoscale, recommended, $"{metric.Selector} {metricValue.Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} per replica", now);
    }

    private static string Target(AutoscaleSpec autoscale) =>
        autoscale.Metric is { } metric ? metric.ToString() : $"{autoscale.TargetBusyPercent}% busy";

    /// <summary>Keeps a recommendation and sets the count <see cref="ReplicaAutoscaler.Decide"/> makes of those of the window.</summary>
    private void Recommend(AutoscaleSpec autoscale, int replicas, string measured, DateTimeOffset now)
    {
        measuringSince ??= now;
        recommendations.Add((now, replicas));
        recommendations.RemoveAll(r => now - r.At > ReplicaAutoscaler.ScaleDownWindow);
        var count = ReplicaAutoscaler.Decide(record.State.Replicas, recommendations, measuringSince.Value, now, autoscale);
        if (count != record.State.Replicas)
        {
            logger.LogInformation("Deployment {Deployment} scales from {Before} to {After} replicas: {Measured}, target {Target}",
                Name, record.State.Replicas, count, measured, Target(autoscale));
            Notice(PoolEventKinds.Autoscale, Name, "", $"{Name} scaled from {record.State.Replicas} to {count} replicas: {measured}, target {TargetWords(autoscale)}");
            record.State.Replicas = count;
            record.State.UpdatedAt = now;
        }
    }

    private static string TargetWords(AutoscaleSpec autoscale) =>
        autoscale.Metric is { } metric ? metric.Target.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " per replica" : $"{autoscale.TargetBusyPercent}%";

    /// <summary>A replica that ended by itself (or is forgotten by the pool: a silo without storage restarted): counted, and let go.</summary>
    private void Ended(DeploymentReplica replica, VGpuTaskStatus? task, DateTimeOffset now)
    {
        var failures = task is null ? record.State.FailuresInRow : ReplicaPlan.FailuresAfter(record.State.FailuresInRow, task);
        var why = task is null ? "forgotten by the pool" : $"{task.State}{(task.ExitReason is { } reason ? ": " + reason : "")}";
        logger.LogInformation("Deployment {Deployment}: replica {TaskId} ended ({Why}); failures in a row {Failures}", Name, replica.TaskId, why, failures);
        Notice(PoolEventKinds.ReplicaEnded, replica.TaskId, replica.NodeId ?? "", $"replica of {Name} ended ({why}): replaced");
        if (failures > record.State.FailuresInRow)
        {
            record.State.LastFailure = $"{replica.TaskId} {why}";
            record.State.ReplaceAfter = (task?.EndedAt ?? now) + DeploymentRules.Backoff(failures);
        }

        record.State.FailuresInRow = failures;
    }

    /// <summary>Submits one replica under the next free serial; a refusal (its tenant's quota) backs off like a failure.</summary>
    private async Task Add(TaskSpec spec, DateTimeOffset now)
    {
        for (var attempt = 0; attempt < IdAttempts; attempt++)
        {
            var id = DeploymentRules.ReplicaId(Name, ++record.State.Serial);
            SubmitResult result;
            try
            {
                result = await GrainFactory.Grain<IVGpuTaskGrain>(id).Submit(spec);
            }
            catch (Exception ex)
            {
                // Maybe submitted: the next look submits the same id again, which a task that landed takes as a repeat
                // (idempotent per id and spec), so no replica goes untracked.
                logger.LogWarning(ex, "Deployment {Deployment} could not submit replica {TaskId}", Name, id);
                record.State.Serial--;
                record.State.ReplaceAfter = now + DeploymentRules.FirstBackoff;
                return;
            }

            if (result.Accepted && !result.Status!.State.IsTerminal())
            {
                var status = result.Status!;
                record.State.Tasks.Add(new DeploymentReplica(id, record.State.Revision, status.State, status.Placement?.NodeId));
                Notice(PoolEventKinds.ReplicaAdded, id, "", $"replica of {Name} revision {record.State.Revision} ({record.State.Tasks.Count(t => t.Revision == record.State.Revision)} of {record.State.Replicas})");
                return;
            }

            if (!result.Accepted && !result.Errors.All(e => e.Field == "taskId"))
            {
                var why = string.Join("; ", result.Errors);
                logger.LogWarning("Deployment {Deployment}: replica {TaskId} refused: {Why}", Name, id, why);
                record.State.FailuresInRow++;
                record.State.LastFailure = $"{id} refused: {why}";
                record.State.ReplaceAfter = now + DeploymentRules.Backoff(record.State.FailuresInRow);
                return;
            }

            // The id is another task's, or an ended one's of the same spec (a deployment of this name deleted before): the next serial.
        }

        record.State.LastFailure = $"no free replica id after {IdAttempts} tries (ids {Name}.N are taken by other tasks)";
        record.State.ReplaceAfter = now + DeploymentRules.LongestBackoff;
    }

    private async Task Remove(string taskId, string reason)
    {
        if (await Cancel(taskId, reason))
        {
            var replica = record.State.Tasks.First(t => t.TaskId == taskId);
            record.State.Tasks.Remove(replica);
            Notice(PoolEventKinds.ReplicaRemoved, taskId, replica.NodeId ?? "", reason);
        }
    }

    /// <summary>Cancels a replica; false when that could not be done now (it is cancelled at a later look).</summary>
    private async Task<bool> Cancel(string taskId, string reason)
    {
        try
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(taskId).Cancel(reason);
            return true;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Deployment {Deployment} could not cancel replica {TaskId}", Name, taskId);
            return false;
        }
    }

    /// <summary>A replica's status (its value null when the pool has no such task); null when it could not be read.</summary>
    private async Task<StrongBox<VGpuTaskStatus?>?> Peek(string taskId)
    {
        try
        {
            return new(await GrainFactory.Grain<IVGpuTaskGrain>(taskId).PeekStatus());
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Deployment {Deployment} could not read replica {TaskId}", Name, taskId);
            return null;
        }
    }

    private void Notice(string kind, string taskId, string where, string detail) =>
        GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool).Publish(kind, taskId, where, detail, 0).Ignore();

    /// <summary>The look on the Orion clock, through the grain (a turn of its own).</summary>
    private void Arm()
    {
        timer?.Dispose();
        var self = this.AsReference<IDeploymentGrain>();
        var every = options.Value.DeploymentCheckInterval;
        timer = time.CreateTimer(_ => self.OnCheckTick().Ignore(), null, every, every);
    }

    private async Task KeepReminder()
    {
        if (!options.Value.QueueRecovery)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(CheckReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex)
        {
            // The timer looks while this activation lives; the next change sets the reminder again.
            logger.LogWarning(ex, "Deployment {Deployment} could not set its reminder", Name);
        }
    }

    /// <summary>Writes the record; a failed write puts <paramref name="before"/> back, so what was not stored is not in force.</summary>
    private async Task Commit(DeploymentRecord before)
    {
        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            record.State = before;
            throw;
        }
    }
}
