using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// The rules a task spec must keep, as one pure function. Every error names the field and the rule;
/// a spec with any error is rejected whole and changes nothing.
/// </summary>
public static class SpecValidator
{
    /// <summary>The most GPUs one task may take (whole cards on one node).</summary>
    public const int MaxGpuCount = 16;

    /// <summary>The longest name or tenant.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Returns every rule the spec breaks; empty when it is valid.</summary>
    public static ImmutableArray<ValidationError> Validate(TaskSpec? spec)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (spec is null)
        {
            errors.Add(new("spec", "is required"));
            return errors.ToImmutable();
        }

        CheckName(errors, "name", spec.Name);
        CheckName(errors, "tenant", spec.Tenant);

        if (spec.Priority is null)
        {
            errors.Add(new("priority", "is required"));
        }
        else
        {
            if (!Enum.IsDefined(spec.Priority.Class))
            {
                errors.Add(new("priority.class", "must be one of Online, Training, Offline"));
            }

            if (spec.Priority.Level is < 0 or > TaskPriority.MaxLevel)
            {
                errors.Add(new("priority.level", $"must be 0..{TaskPriority.MaxLevel}"));
            }
        }

        if (spec.Resources is null)
        {
            errors.Add(new("resources", "is required"));
        }
        else
        {
            CheckResources(errors, spec.Resources);
        }

        if (spec.Constraints is null)
        {
            errors.Add(new("constraints", "is required (use PlacementConstraints.None)"));
        }
        else
        {
            CheckConstraints(errors, spec.Constraints);
        }

        if (spec.Workload is null)
        {
            errors.Add(new("workload", "is required"));
        }
        else if (spec.Resources is not null)
        {
            CheckWorkload(errors, spec.Workload, spec.Resources);
        }

        if (spec.Schedule is not null)
        {
            CheckSchedule(errors, spec.Schedule);

            // A window that opens on a full pool would end the whole series: a schedule waits for capacity.
            if (spec.Constraints is { FailIfUnplaceable: true })
            {
                errors.Add(new("constraints.failIfUnplaceable", "must be false for a scheduled task (its windows wait for capacity)"));
            }
        }

        if (spec.Gang is { } gang)
        {
            CheckGang(errors, spec, gang);
        }

        if (spec.Restart is { } restart)
        {
            if (!Enum.IsDefined(restart.Kind))
            {
                errors.Add(new("restart.kind", "must be Never or OnFailure"));
            }
            else if (restart.Kind == RestartPolicyKind.OnFailure && restart.MaxAttempts is < 1 or > 100)
            {
                errors.Add(new("restart.maxAttempts", "must be 1..100 with OnFailure"));
            }

            if (restart.Backoff is { } backoff && (backoff < TimeSpan.Zero || backoff > RestartPolicy.MaxBackoff))
            {
                errors.Add(new("restart.backoff", $"must be 0 to {Durations.Format(RestartPolicy.MaxBackoff)}"));
            }
        }

        CheckAfter(errors, spec);
        errors.AddRange(NodeLabels.Check(spec.Labels, "labels"));
        if (spec.Notify is { } notify && (notify.Length > 2048 || !Uri.TryCreate(notify, UriKind.Absolute, out var url)
            || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0))
        {
            errors.Add(new("notify", "must be an absolute http or https URL of at most 2048 characters, without a user name"));
        }

        if (spec.NotifyOnStart && spec.Notify is null)
        {
            errors.Add(new("notifyOnStart", "needs a notify URL to send the start to"));
        }

        if (spec.MaxRuntime is { } limit)
        {
            if (limit < TimeSpan.FromSeconds(1) || limit > TaskSpec.MaxRuntimeLimit)
            {
                errors.Add(new("maxRuntime", $"must be 1 second to {TaskSpec.MaxRuntimeLimit.TotalDays:0} days"));
            }

            // Its windows bound a scheduled task's runs already.
            if (spec.Schedule is not null)
            {
                errors.Add(new("maxRuntime", "must be null for a scheduled task (its windows bound its runs)"));
            }
        }

        if (spec.IdleTimeout is { } idle)
        {
            if (idle < TaskSpec.MinIdleTimeout || idle > TaskSpec.MaxRuntimeLimit)
            {
                errors.Add(new("idleTimeout", $"must be {TaskSpec.MinIdleTimeout.TotalMinutes:0} minute to {TaskSpec.MaxRuntimeLimit.TotalDays:0} days"));
            }

            if (spec.Schedule is not null)
            {
                errors.Add(new("idleTimeout", "must be null for a scheduled task (its windows end its runs)"));
            }
        }

        if (spec.StopGrace is { } grace && (grace < TimeSpan.Zero || grace > TaskSpec.MaxStopGrace))
        {
            errors.Add(new("stopGrace", "must be 0 to 1 hour"));
        }

        foreach (var (field, probe) in new[] { ("startup", spec.Startup), ("readiness", spec.Readiness), ("liveness", spec.Liveness) })
        {
            errors.AddRange(probe?.Check(field) ?? []);

            // A command probe runs on the node as the task's own commands do: only a process task runs commands there.
            if (probe?.Command is { } command && !string.IsNullOrWhiteSpace(command) && spec.Workload is { Kind: not WorkloadKind.Process })
            {
                errors.Add(new($"{field}.command", "applies to a process task only (it runs on its node as the task's commands do); give other kinds an HTTP probe (a port)"));
            }
        }

        return errors.ToImmutable();
    }

    private static void CheckAfter(ImmutableArray<ValidationError>.Builder errors, TaskSpec spec)
    {
        if (!Enum.IsDefined(spec.AfterCondition))
        {
            errors.Add(new("afterCondition", "must be Completed, Ended or Failed"));
        }
        else if (spec.AfterCondition != AfterCondition.Completed && spec.After is not { Count: > 0 })
        {
            errors.Add(new("afterCondition", "needs tasks to run after (after)"));
        }

        if (spec.After is not { Count: > 0 } after)
        {
            return;
        }

        if (after.Count > TaskSpec.MaxAfter)
        {
            errors.Add(new("after", $"must name at most {TaskSpec.MaxAfter} tasks"));
        }

        if (after.FirstOrDefault(id => !TaskIdFormat.IsValid(id)) is { } bad)
        {
            errors.Add(new("after", $"'{bad}' is not a task id: {TaskIdFormat.Rule}"));
        }
        else if (after.Distinct(StringComparer.Ordinal).Count() != after.Count)
        {
            errors.Add(new("after", "must not name a task twice"));
        }

        // Each window would have to wait on them again: a schedule's windows are its only trigger.
        if (spec.Schedule is not null)
        {
            errors.Add(new("after", "must be empty for a scheduled task (its windows say when it runs)"));
        }
    }

    private static void CheckGang(ImmutableArray<ValidationError>.Builder errors, TaskSpec spec, GangSpec gang)
    {
        if (!TaskIdFormat.IsValid(gang.Name))
        {
            errors.Add(new("gang.name", TaskIdFormat.Rule));
        }

        if (gang.Size is < 2 or > GangSpec.MaxSize)
        {
            errors.Add(new("gang.size", $"must be 2..{GangSpec.MaxSize}"));
        }

        // Each window would queue its members apart from one another: a gang does not run in windows.
        if (spec.Schedule is not null)
        {
            errors.Add(new("schedule", "must be null for a gang member (a gang does not run in windows)"));
        }

        // A member that arrives before the rest waits for them, so it cannot fail for want of room on arrival.
        if (spec.Constraints is { FailIfUnplaceable: true })
        {
            errors.Add(new("constraints.failIfUnplaceable", "must be false for a gang member (its members wait for each other)"));
        }
    }

    private static void CheckSchedule(ImmutableArray<ValidationError>.Builder errors, ScheduleSpec s)
    {
        if (s.Window <= TimeSpan.Zero)
        {
            errors.Add(new("schedule.window", "must be positive"));
        }

        var byCron = s.Cron is not null;
        var byPeriod = s.StartAt is not null || s.Period is not null;
        if (byCron == byPeriod)
        {
            errors.Add(new("schedule", "must give either cron, or startAt with period"));
        }
        else if (byCron && string.IsNullOrWhiteSpace(s.Cron))
        {
            errors.Add(new("schedule.cron", "must not be empty"));
        }
        else if (byPeriod)
        {
            if (s.StartAt is null)
            {
                errors.Add(new("schedule.startAt", "is required with schedule.period"));
            }

            if (s.Period is not { } period || period <= TimeSpan.Zero)
            {
                errors.Add(new("schedule.period", "must be positive"));
            }
            else if (s.Window > period)
            {
                errors.Add(new("schedule.window", "must not be longer than schedule.period"));
            }
        }

        if (string.IsNullOrWhiteSpace(s.TimeZone))
        {
            errors.Add(new("schedule.timeZone", "is required (e.g. UTC or Europe/Berlin)"));
        }

        if (s.Occurrences is < 1)
        {
            errors.Add(new("schedule.occurrences", "must be at least 1 (or null for no end)"));
        }

        if (!Enum.IsDefined(s.OnClose))
        {
            errors.Add(new("schedule.onClose", "must be Stop or Pause"));
        }
    }

    private static void CheckName(ImmutableArray<ValidationError>.Builder errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, "is required"));
        }
        else if (value.Length > MaxNameLength)
        {
            errors.Add(new(field, $"must be at most {MaxNameLength} characters"));
        }
    }

    private static void CheckResources(ImmutableArray<ValidationError>.Builder errors, ResourceRequest r)
    {
        if (r.GpuCount is < 0 or > MaxGpuCount)
        {
            errors.Add(new("resources.gpuCount", $"must be 0..{MaxGpuCount}"));
        }
        else if (r.GpuCount == 0)
        {
            if (r.ComputePercent != 0)
            {
                errors.Add(new("resources.computePercent", "must be 0 when resources.gpuCount is 0"));
            }

            if (r.GpuMemoryMiB != 0)
            {
                errors.Add(new("resources.gpuMemoryMiB", "must be 0 when resources.gpuCount is 0"));
            }

            if (r.CpuMilli <= 0)
            {
                errors.Add(new("resources.cpuMilli", "must be positive when resources.gpuCount is 0"));
            }
        }
        else if (r.GpuCount == 1)
        {
            if (double.IsNaN(r.ComputePercent) || r.ComputePercent <= 0 || r.ComputePercent > 100)
            {
                errors.Add(new("resources.computePercent", "must be in (0, 100] when resources.gpuCount is 1"));
            }
            else if (Math.Abs((r.ComputePercent * 10) - Math.Round(r.ComputePercent * 10)) > 1e-6)
            {
                errors.Add(new("resources.computePercent", "must be a multiple of 0.1"));
            }
            else if (r.ComputeMilli < 1000 && r.GpuMemoryMiB <= 0)
            {
                errors.Add(new("resources.gpuMemoryMiB", "must be positive when resources.computePercent is below 100 (a slice needs its own memory)"));
            }
        }
        else if (r.ComputePercent != 100)
        {
            errors.Add(new("resources.computePercent", "must be 100 when resources.gpuCount is above 1 (multi-GPU tasks take whole cards)"));
        }

        if (r.GpuMemoryMiB < 0)
        {
            errors.Add(new("resources.gpuMemoryMiB", "must not be negative"));
        }

        if (r.CpuMilli < 0)
        {
            errors.Add(new("resources.cpuMilli", "must not be negative"));
        }

        if (r.HostMemoryMiB < 0)
        {
            errors.Add(new("resources.hostMemoryMiB", "must not be negative"));
        }
    }

    private static void CheckConstraints(ImmutableArray<ValidationError>.Builder errors, PlacementConstraints c)
    {
        if (!c.GpuModels.IsDefault)
        {
            for (var i = 0; i < c.GpuModels.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(c.GpuModels[i]))
                {
                    errors.Add(new($"constraints.gpuModels[{i}]", "must not be empty"));
                }
            }
        }

        if (c.DataCenter is not null && !DataCenterName.IsValid(c.DataCenter))
        {
            errors.Add(new("constraints.dataCenter", $"must be null (any) or a data-centre name: {DataCenterName.Rule}"));
        }

        if (c.PreferredDataCenter is not null && !DataCenterName.IsValid(c.PreferredDataCenter))
        {
            errors.Add(new("constraints.preferredDataCenter", $"must be null (no preference) or a data-centre name: {DataCenterName.Rule}"));
        }

        errors.AddRange(NodeLabels.Check(c.NodeSelector, "constraints.nodeSelector"));
        errors.AddRange(NodeTaints.Check(c.Tolerations, "constraints.tolerations"));
        errors.AddRange(NodeRequirement.Check(c.NodeAffinity, "constraints.nodeAffinity"));
        errors.AddRange(NodeRequirement.Check(c.PreferredNodeAffinity, "constraints.preferredNodeAffinity"));
        if (c.Spread is { } spread)
        {
            if (!TaskIdFormat.IsValid(spread.Group))
            {
                errors.Add(new("constraints.spread.group", TaskIdFormat.Rule));
            }

            if (spread.MaxPerDomain is < 1 or > SpreadSpec.MaxPerDomainLimit)
            {
                errors.Add(new("constraints.spread.maxPerDomain", $"must be 1..{SpreadSpec.MaxPerDomainLimit}"));
            }

            if (spread.TopologyKey is { } key && !NodeLabels.IsValidKey(key))
            {
                errors.Add(new("constraints.spread.topologyKey", $"must be null (one domain per node) or a node label key, which {NodeLabels.KeyRule}"));
            }
        }
    }

    private static void CheckWorkload(ImmutableArray<ValidationError>.Builder errors, WorkloadSpec w, ResourceRequest r)
    {
        switch (w.Kind)
        {
            case WorkloadKind.Service:
                if (double.IsNaN(w.RequestsPerSecond) || w.RequestsPerSecond < 0)
                {
                    errors.Add(new("workload.requestsPerSecond", "must not be negative"));
                }

                if (double.IsNaN(w.GpuMsPerUnit) || w.GpuMsPerUnit < 0)
                {
                    errors.Add(new("workload.gpuMsPerUnit", "must not be negative"));
                }

                break;
            case WorkloadKind.Batch:
            case WorkloadKind.Training:
                if (r.GpuCount == 0)
                {
                    errors.Add(new("workload.kind", $"must not be {w.Kind} when resources.gpuCount is 0 (it needs a GPU)"));
                }

                if (w.Count < 1)
                {
                    errors.Add(new("workload.count", $"must be at least 1 for a {w.Kind} workload"));
                }

                if (double.IsNaN(w.GpuMsPerUnit) || double.IsInfinity(w.GpuMsPerUnit) || w.GpuMsPerUnit <= 0)
                {
                    errors.Add(new("workload.gpuMsPerUnit", $"must be positive for a {w.Kind} workload"));
                }

                if (w.Kind == WorkloadKind.Training)
                {
                    if (w.MemoryMiB < 0)
                    {
                        errors.Add(new("workload.memoryMiB", "must not be negative"));
                    }
                    else if (r.GpuMemoryMiB > 0 && w.MemoryMiB > r.GpuMemoryMiB)
                    {
                        errors.Add(new("workload.memoryMiB", "must be at most resources.gpuMemoryMiB"));
                    }
                }

                break;
            case WorkloadKind.Process:
                if (string.IsNullOrWhiteSpace(w.CommandLine))
                {
                    errors.Add(new("workload.commandLine", "is required for a Process workload"));
                }

                errors.AddRange(ProcessEnvironment.Check(w.Environment, w.WorkingDirectory));
                break;
            default:
                errors.Add(new("workload.kind", "must be one of Service, Batch, Training, Process"));
                break;
        }

        if (w.Kind != WorkloadKind.Process && (w.Environment is { Count: > 0 } || w.WorkingDirectory is not null))
        {
            errors.Add(new(w.Environment is { Count: > 0 } ? "workload.environment" : "workload.workingDirectory", "applies to a Process workload only"));
        }
    }
}
