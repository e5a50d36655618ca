using System.Globalization;
using System.Text.Json;
using Orion.Contracts;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Orion.Cli;

/// <summary>
/// Writes a spec, and a deployment's count, autoscaling and strategy, back as a spec file (<c>orion deployments NAME
/// --manifest</c>): YAML in the flags' kebab-case keys that <see cref="SpecBuilder"/> reads back to the very same spec,
/// so a deployment made with flags can be kept in a repository from then on. Pure.
/// </summary>
public static class SpecExport
{
    private static readonly JsonSerializerOptions Compare = new(JsonSerializerDefaults.Web);

    /// <summary>The spec file of <paramref name="spec"/> (with a <c>deployment:</c> section from <paramref name="deployment"/>).</summary>
    /// <exception cref="CliException">The spec has what a spec file cannot say (a schedule, a gang, a preferred data centre...): named.</exception>
    public static SpecFile Of(TaskSpec spec, DeploymentStatus? deployment = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Schedule is not null || spec.Gang is not null || spec.Constraints.PreferredDataCenter is not null)
        {
            var what = spec.Schedule is not null ? "a schedule" : spec.Gang is not null ? "a gang" : "a preferred data centre";
            throw new CliException($"this spec has {what}, which a spec file cannot say: it is not written as one", ExitCodes.Failed);
        }

        var (r, w, c) = (spec.Resources, spec.Workload, spec.Constraints);
        var whole = r.GpuCount > 1 || (r.GpuCount == 1 && r.ComputePercent == 100);
        var memory = w.Kind == WorkloadKind.Training ? w.MemoryMiB : r.GpuMemoryMiB;
        var file = new SpecFile
        {
            Name = spec.Name,
            Tenant = spec.Tenant,
            Priority = spec.Priority.Level == 0 ? Word(spec.Priority.Class) : $"{Word(spec.Priority.Class)}/{spec.Priority.Level.ToString(CultureInfo.InvariantCulture)}",
            Gpus = r.GpuCount == 1 ? null : r.GpuCount,
            Compute = whole || (r.GpuCount == 0 && r.ComputePercent == 0) ? null : r.ComputePercent,
            Memory = (whole && w.Kind != WorkloadKind.Training) || (r.GpuCount == 0 && memory == 0) ? null : $"{memory}MiB",
            Cpu = r.CpuMilli == 0 ? null : r.CpuMilli,
            HostMemory = r.HostMemoryMiB == 0 ? null : $"{r.HostMemoryMiB}MiB",
            AllowSwap = r.AllowSwap ? null : false,
            Models = c.GpuModels.IsDefaultOrEmpty ? null : [.. c.GpuModels],
            DataCenter = c.DataCenter,
            FailFast = c.FailIfUnplaceable ? true : null,
            Spread = c.Spread?.Group,
            MaxPerDomain = c.Spread is { MaxPerDomain: not 1 } s ? s.MaxPerDomain : null,
            SpreadPreferred = c.Spread?.Preferred == true ? true : null,
            TopologyKey = c.Spread?.TopologyKey,
            NodeSelector = c.NodeSelector is { Count: > 0 } selector ? selector.ToDictionary() : null,
            Tolerations = c.Tolerations is { Count: > 0 } tolerations ? [.. tolerations] : null,
            NodeAffinity = c.NodeAffinity is { Count: > 0 } affinity ? [.. affinity] : null,
            PreferredNodeAffinity = c.PreferredNodeAffinity is { Count: > 0 } preferred ? [.. preferred] : null,
            Kind = w.Kind.ToString().ToLowerInvariant(),
            Command = w.CommandLine,
            Env = w.Environment is { Count: > 0 } env ? env.ToDictionary() : null,
            Workdir = w.WorkingDirectory,
            Items = w.Kind is WorkloadKind.Batch or WorkloadKind.Training ? w.Count : null,
            MsPerItem = w.Kind is WorkloadKind.Process ? null : w.GpuMsPerUnit,
            Rps = w.Kind == WorkloadKind.Service ? w.RequestsPerSecond : null,
            Labels = spec.Labels is { Count: > 0 } labels ? labels.ToDictionary() : null,
            After = spec.After is { Count: > 0 } after ? [.. after] : null,
            AfterCondition = spec.AfterCondition == AfterCondition.Completed ? null : spec.AfterCondition.ToString().ToLowerInvariant(),
            MaxRuntime = Time(spec.MaxRuntime),
            IdleTimeout = Time(spec.IdleTimeout),
            StopGrace = Time(spec.StopGrace),
            Restart = spec.Restart switch
            {
                null => null,
                { Kind: RestartPolicyKind.Never } => "never",
                { Backoff: { } backoff } p => $"on-failure:{p.MaxAttempts}:{Durations.Format(backoff)}",
                var p => $"on-failure:{p.MaxAttempts}",
            },
            Notify = spec.Notify,
            NotifyStart = spec.NotifyOnStart ? true : null,
            StayPut = spec.StayPut ? true : null,
            Readiness = Probe(spec.Readiness),
            Liveness = Probe(spec.Liveness),
            Startup = Probe(spec.Startup),
            Deployment = deployment is null ? null : Section(deployment),
        };

        // What a file cannot say exactly (a fraction of a second, a workload's memory unlike its slice's) is caught here,
        // never written as something else.
        TaskSpec? read;
        try
        {
            read = SpecBuilder.Build(file);
        }
        catch (CliException)
        {
            read = null;
        }

        if (read is null || JsonSerializer.Serialize(read, Compare) != JsonSerializer.Serialize(spec, Compare))
        {
            throw new CliException("this spec has values a spec file cannot say exactly: it is not written as one", ExitCodes.Failed);
        }

        return file;
    }

    /// <summary><see cref="Of"/> as YAML, in the flags' kebab-case keys.</summary>
    public static string Yaml(SpecFile file) =>
        new SerializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build().Serialize(file);

    private static DeploymentFile Section(DeploymentStatus d) => new()
    {
        Replicas = d.Replicas,
        Autoscale = d.Autoscale is not { } a ? null : new AutoscaleFile
        {
            Min = a.Min,
            Max = a.Max,
            TargetBusy = a.Metric is null ? a.TargetBusyPercent : null,
            Metric = a.Metric?.Query,
            Target = a.Metric?.Target,
            At = a.Metric is { } m ? $":{m.Port}{m.Path}" : null,
        },
        Strategy = (d.Strategy ?? DeploymentStrategy.Default) is var s && s == DeploymentStrategy.Default ? null : new StrategyFile
        {
            MaxSurge = s.MaxSurge.ToString(),
            MaxUnavailable = s.MaxUnavailable.ToString(),
            DisruptionBudget = s.DisruptionBudget.ToString(),
            MinReady = s.MinReady == TimeSpan.Zero ? null : Durations.Format(s.MinReady),
            ProgressDeadline = s.ProgressDeadline == TimeSpan.Zero ? null : Durations.Format(s.ProgressDeadline),
            RollbackOnFailure = s.RollBackOnFailure ? true : null,
        },
    };

    private static ProbeFile? Probe(HealthProbe? probe) => probe is null ? null : new ProbeFile
    {
        Get = probe is { Port: { } port, Tcp: false, Grpc: false } ? $":{port}{probe.Path ?? "/"}" : null,
        Grpc = probe.Grpc ? probe.Port : null,
        Service = string.IsNullOrEmpty(probe.Service) ? null : probe.Service,
        Tcp = probe.Tcp ? probe.Port : null,
        Command = probe.Command,
        Every = Durations.Format(probe.Period),
        Timeout = Durations.Format(probe.Timeout),
        Failures = probe.FailureThreshold,
        Delay = probe.InitialDelay == TimeSpan.Zero ? null : Durations.Format(probe.InitialDelay),
    };

    private static string? Time(TimeSpan? span) => span is { } s ? s == TimeSpan.Zero ? "0" : Durations.Format(s) : null;

    private static string Word(PriorityClass priority) => priority.ToString().ToLowerInvariant();
}
