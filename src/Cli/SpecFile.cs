namespace Orion.Cli;

/// <summary>
/// A task spec as a person writes it (YAML or JSON file, or the submit flags): flat, with units in the
/// values (<c>memory: 30GiB</c>, <c>priority: offline/5</c>). <see cref="SpecBuilder"/> turns it into a TaskSpec.
/// </summary>
public sealed class SpecFile
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Tenant { get; set; }

    /// <summary><c>online</c>, <c>training</c> or <c>offline</c>, optionally <c>/level</c>.</summary>
    public string? Priority { get; set; }

    /// <summary>Percent of one card (a slice); 100 is a whole card; ignored when <see cref="Gpus"/> asks for several cards.</summary>
    public double? Compute { get; set; }

    /// <summary>GPU memory per card: MiB, or with a unit (MiB, GiB).</summary>
    public string? Memory { get; set; }

    /// <summary>Whole cards; 0 for CPU only. Default: one slice.</summary>
    public int? Gpus { get; set; }

    /// <summary>Host CPU in milli-cores (4000 = 4 cores).</summary>
    public long? Cpu { get; set; }

    public string? HostMemory { get; set; }

    public List<string>? Models { get; set; }

    public string? DataCenter { get; set; }

    /// <summary><c>batch</c> (default), <c>service</c> or <c>training</c> (simulated cards), or <c>process</c> (NVIDIA cards).</summary>
    public string? Kind { get; set; }

    /// <summary>The command line of a <c>process</c> task (run with <c>/bin/sh -c</c> on its node).</summary>
    public string? Command { get; set; }

    /// <summary>A <c>process</c> task's environment variables (<c>env: {HF_HOME: /data/hf}</c>).</summary>
    public Dictionary<string, string>? Env { get; set; }

    /// <summary>A <c>process</c> task's working directory on its node (an absolute path).</summary>
    public string? Workdir { get; set; }

    /// <summary>The task's own labels, to list and cancel it by (<c>labels: {project: llm, sweep: lr-7}</c>).</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Batch items or training steps.</summary>
    public long? Items { get; set; }

    /// <summary>GPU milliseconds per item, step or request.</summary>
    public double? MsPerItem { get; set; }

    /// <summary>Requests per second, for a service.</summary>
    public double? Rps { get; set; }

    public bool? AllowSwap { get; set; }

    /// <summary>Fail at once when nothing can take it now, or its tenant's quota has no room, instead of waiting.</summary>
    public bool? FailFast { get; set; }

    /// <summary>A spread group: keeps this task apart from the tenant's other tasks of the group (replicas on different nodes).</summary>
    public string? Spread { get; set; }

    /// <summary>The most tasks of the spread group in one domain (default 1).</summary>
    public int? MaxPerDomain { get; set; }

    /// <summary>A node label whose values are the spread group's domains (such as zone); none for one domain per node.</summary>
    public string? TopologyKey { get; set; }

    /// <summary>The spread group is a preference: beyond its most, the task runs where the group is thinnest rather than waiting.</summary>
    public bool? SpreadPreferred { get; set; }

    /// <summary>Labels a node must have, each with its value (<c>node-selector: {fabric: nvlink}</c>).</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Node taints the task tolerates, <c>key=value</c> or <c>key</c> for any value (<c>tolerations: [dedicated=training]</c>).</summary>
    public List<string>? Tolerations { get; set; }

    /// <summary>Rules over a node's labels, as set-based selectors (<c>node-affinity: ["zone in (a,b)", "!flaky"]</c>).</summary>
    public List<string>? NodeAffinity { get; set; }

    /// <summary>Rules over a node's labels the task would rather have, earlier ones weighing more (<c>preferred-node-affinity: ["zone=a"]</c>).</summary>
    public List<string>? PreferredNodeAffinity { get; set; }

    /// <summary>Tasks this one runs after: queued once every one has completed, or ended as <see cref="AfterCondition"/> says (<c>after: [prep]</c>).</summary>
    public List<string>? After { get; set; }

    /// <summary>How the tasks in <see cref="After"/> must end: <c>completed</c> (the default), <c>ended</c> (any way) or <c>failed</c>.</summary>
    public string? AfterCondition { get; set; }

    /// <summary>The longest one run may take, as <c>90s</c>, <c>45m</c>, <c>2h</c> or <c>1d12h</c>.</summary>
    public string? MaxRuntime { get; set; }

    /// <summary>How long a run may leave its cards idle before the pool stops it, as <c>30m</c> or <c>2h</c>.</summary>
    public string? IdleTimeout { get; set; }

    /// <summary><c>never</c>, or <c>on-failure</c> with an optional <c>:N</c>, the most restarts (default 3).</summary>
    public string? Restart { get; set; }

    /// <summary>A URL the pool POSTs the task's status to when it ends (<c>notify: https://hooks.example.com/...</c>).</summary>
    public string? Notify { get; set; }

    /// <summary>Whether the notify URL also hears when each run starts (<c>notify-start: true</c>).</summary>
    public bool? NotifyStart { get; set; }

    /// <summary>Whether the pool may not move the run to gather scattered room for another task (<c>stay-put: true</c>).</summary>
    public bool? StayPut { get; set; }

    /// <summary>A check of whether a run has started, its other probes waiting until it passes (<c>startup: {get: ":8000/health", failures: 60}</c>).</summary>
    public ProbeFile? Startup { get; set; }

    /// <summary>A check of whether a run serves yet (<c>readiness: {get: ":8000/health"}</c>; <see cref="ProbeFile"/>).</summary>
    public ProbeFile? Readiness { get; set; }

    /// <summary>A check of whether a run still works, its run stopped as failed when it fails (<c>liveness: {command: "test -f /tmp/alive"}</c>).</summary>
    public ProbeFile? Liveness { get; set; }

    /// <summary>How long a stopped run has between SIGTERM and SIGKILL, as <c>30s</c> or <c>2m</c> (default: its node's, 10 s).</summary>
    public string? StopGrace { get; set; }

    /// <summary>For <c>orion deploy</c> only: the deployment's replicas, autoscaling and strategy.</summary>
    public DeploymentFile? Deployment { get; set; }

    /// <summary>Fields set here replace those of <paramref name="baseSpec"/> (flags over a file).</summary>
    public SpecFile Over(SpecFile baseSpec) => new()
    {
        Id = Id ?? baseSpec.Id,
        Name = Name ?? baseSpec.Name,
        Tenant = Tenant ?? baseSpec.Tenant,
        Priority = Priority ?? baseSpec.Priority,
        Compute = Compute ?? baseSpec.Compute,
        Memory = Memory ?? baseSpec.Memory,
        Gpus = Gpus ?? baseSpec.Gpus,
        Cpu = Cpu ?? baseSpec.Cpu,
        HostMemory = HostMemory ?? baseSpec.HostMemory,
        Models = Models is { Count: > 0 } ? Models : baseSpec.Models,
        DataCenter = DataCenter ?? baseSpec.DataCenter,
        Kind = Kind ?? baseSpec.Kind,
        Command = Command ?? baseSpec.Command,
        Env = Merged(baseSpec.Env, Env),
        Workdir = Workdir ?? baseSpec.Workdir,
        Labels = Merged(baseSpec.Labels, Labels),
        Items = Items ?? baseSpec.Items,
        MsPerItem = MsPerItem ?? baseSpec.MsPerItem,
        Rps = Rps ?? baseSpec.Rps,
        AllowSwap = AllowSwap ?? baseSpec.AllowSwap,
        FailFast = FailFast ?? baseSpec.FailFast,
        Spread = Spread ?? baseSpec.Spread,
        MaxPerDomain = MaxPerDomain ?? baseSpec.MaxPerDomain,
        TopologyKey = TopologyKey ?? baseSpec.TopologyKey,
        SpreadPreferred = SpreadPreferred ?? baseSpec.SpreadPreferred,
        NodeSelector = NodeSelector is { Count: > 0 } ? NodeSelector : baseSpec.NodeSelector,
        Tolerations = Tolerations is { Count: > 0 } ? Tolerations : baseSpec.Tolerations,
        NodeAffinity = NodeAffinity is { Count: > 0 } ? NodeAffinity : baseSpec.NodeAffinity,
        PreferredNodeAffinity = PreferredNodeAffinity is { Count: > 0 } ? PreferredNodeAffinity : baseSpec.PreferredNodeAffinity,
        After = After is { Count: > 0 } ? After : baseSpec.After,
        AfterCondition = AfterCondition ?? baseSpec.AfterCondition,
        MaxRuntime = MaxRuntime ?? baseSpec.MaxRuntime,
        IdleTimeout = IdleTimeout ?? baseSpec.IdleTimeout,
        Restart = Restart ?? baseSpec.Restart,
        Notify = Notify ?? baseSpec.Notify,
        NotifyStart = NotifyStart ?? baseSpec.NotifyStart,
        StayPut = StayPut ?? baseSpec.StayPut,
        Readiness = Readiness ?? baseSpec.Readiness,
        Liveness = Liveness ?? baseSpec.Liveness,
        StopGrace = StopGrace ?? baseSpec.StopGrace,
        Startup = Startup ?? baseSpec.Startup,
        Deployment = Deployment ?? baseSpec.Deployment,
    };

    /// <summary>A map from a file with the flags' entries over it (a key in both: the flag's); the file's alone when no flag gives one.</summary>
    private static Dictionary<string, string>? Merged(Dictionary<string, string>? file, Dictionary<string, string>? flags) =>
        flags is not { Count: > 0 } ? file : new[] { file ?? [], flags }.SelectMany(m => m).GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
}
