using System.CommandLine;
using Orion.Contracts;

namespace Orion.Cli;

/// <summary>The flags that describe a task spec (or a spec file under them), shared by <c>submit</c> and <c>deploy</c>.</summary>
internal sealed class SpecOptions
{
    private readonly Option<FileInfo?> file;
    private readonly Option<string?> name;
    private readonly Option<string?> tenant;
    private readonly Option<string?> priority;
    private readonly Option<double?> compute;
    private readonly Option<string?> memory;
    private readonly Option<int?> gpus;
    private readonly Option<long?> cpu;
    private readonly Option<string?> hostMemory;
    private readonly Option<string[]> models;
    private readonly Option<string?> dc;
    private readonly Option<string?> kind;
    private readonly Option<string?> commandLine;
    private readonly Option<string[]> env;
    private readonly Option<string?> workdir;
    private readonly Option<long?> items;
    private readonly Option<double?> ms;
    private readonly Option<double?> rps;
    private readonly Option<bool> failFast;
    private readonly Option<string?> spread;
    private readonly Option<int?> maxPerDomain;
    private readonly Option<string?> topologyKey;
    private readonly Option<bool> spreadPreferred;
    private readonly Option<string[]> nodeSelector;
    private readonly Option<string[]> labels;
    private readonly Option<string?> notify = new("--notify") { Description = "A URL the pool POSTs the task's status to when it ends (a chat webhook, a CI job); its host must be allowed (Orion:Notify:AllowedHosts)" };
    private readonly Option<bool> notifyStart = new("--notify-start") { Description = "With --notify: POST also when each run starts (state Running)" };
    private readonly Option<bool> stayPut = new("--stay-put") { Description = "Never moved to gather scattered room for another task (consolidation); a drain still moves it" };
    private readonly Option<string[]> affinity;
    private readonly Option<string[]> preferredAffinity;
    private readonly Option<string[]> toleration;
    private readonly Option<string[]> after;
    private readonly Option<string?> afterCondition;
    private readonly Option<string?> maxRuntime;
    private readonly Option<string?> idleTimeout;
    private readonly Option<string?> restart;
    private readonly Option<string?> readiness;
    private readonly Option<string?> liveness;
    private readonly Option<string?> startup;
    private readonly Option<string?> stopGrace;

    public SpecOptions()
    {
        file = new Option<FileInfo?>("--file", "-f") { Description = "A spec file, YAML or JSON (flags given too override it)" };
        name = new Option<string?>("--name", "-n") { Description = "Task name" };
        tenant = new Option<string?>("--tenant", "-t") { Description = "Tenant" };
        priority = new Option<string?>("--priority", "-p") { Description = "online, training or offline, optionally /level (0..1000)" };
        compute = new Option<double?>("--compute", "-c") { Description = "Percent of one card (a slice), e.g. 50" };
        memory = new Option<string?>("--memory", "-m") { Description = "GPU memory per card, e.g. 30GiB or 2048 (MiB)" };
        gpus = new Option<int?>("--gpus") { Description = "Whole cards on one node (0 = CPU only)" };
        cpu = new Option<long?>("--cpu") { Description = "Host CPU in milli-cores (4000 = 4 cores)" };
        hostMemory = new Option<string?>("--host-memory") { Description = "Host memory, e.g. 16GiB" };
        models = new Option<string[]>("--model") { Description = "Allowed GPU model (repeatable)", AllowMultipleArgumentsPerToken = false };
        dc = new Option<string?>("--dc") { Description = "Data centre" };
        kind = new Option<string?>("--kind") { Description = "batch, service or training (simulated cards), or process (NVIDIA cards)" };
        commandLine = new Option<string?>("--command") { Description = "The command line of a process task, run with /bin/sh -c on its node" };
        env = OrionCli.Repeated("--env",
            "An environment variable of a process task, NAME=VALUE (repeat for several); the daemon's own CUDA_VISIBLE_DEVICES, CUDA_MPS_* and ORION_* are not to be set",
            t => t.IndexOf('=', StringComparison.Ordinal) > 0, "must be NAME=VALUE");
        workdir = new Option<string?>("--workdir") { Description = "A process task's working directory on its node (an absolute path)" };
        items = new Option<long?>("--items") { Description = "Batch items or training steps" };
        ms = new Option<double?>("--ms-per-item") { Description = "GPU ms per item, step or request" };
        rps = new Option<double?>("--rps") { Description = "Requests per second (service)" };
        failFast = new Option<bool>("--fail-fast") { Description = "Fail at once when nothing can take it now, or its tenant's quota has no room, instead of waiting" };
        spread = new Option<string?>("--spread")
        {
            Description = "A spread group: the tenant's tasks of the group are kept on different nodes, or with --topology-key in different zones (replicas of one service, so one machine's or zone's loss takes few)",
        };
        maxPerDomain = new Option<int?>("--max-per-domain", "--max-per-node")
        {
            Description = "The most tasks of the spread group in one domain: a node, or the nodes sharing a value of --topology-key (default 1)",
        };
        topologyKey = new Option<string?>("--topology-key")
        {
            Description = "Spread the group over the values of this node label (such as zone, as daemons' --label zone=a gives it), not over nodes",
        };
        spreadPreferred = new Option<bool>("--spread-preferred")
        {
            Description = "The spread group is a preference: a task with no domain below --max-per-domain runs where the group is thinnest instead of waiting",
        };
        nodeSelector = OrionCli.Labels("--node-selector", "A label the node must have, key=value (repeat for several), as its daemon's --label gives it");
        labels = OrionCli.Labels("--label", "A label of the task's own, key=value (repeat for several): orion ls and orion cancel select tasks by them");
        affinity = OrionCli.Repeated("--node-affinity",
            "A rule over the node's labels (repeat for several): 'zone in (a,b)', 'tier notin (old)', 'fabric', '!flaky', 'k=v', 'k!=v'",
            t => NodeRequirement.Parse(t) is not null, NodeRequirement.Rule);
        preferredAffinity = OrionCli.Repeated("--preferred-node-affinity",
            "A rule over the node's labels the task would rather have (repeat; earlier ones weigh more), in --node-affinity's syntax",
            t => NodeRequirement.Parse(t) is not null, NodeRequirement.Rule);
        toleration = OrionCli.Repeated("--toleration",
            "A node taint the task tolerates, key=value or key for any value (repeat for several): it may run on nodes so tainted",
            NodeTaints.IsValidToleration, NodeTaints.TolerationRule);
        after = OrionCli.Repeated("--after",
            "A task this one runs after (repeat for several, or a job array's ids as embed-[0-499]): it is queued once every one has completed, and cancelled when one fails or is cancelled",
            t => SpecBuilder.ExpandIds(t) is not null, SpecBuilder.AfterRule);
        afterCondition = new Option<string?>("--after-condition")
        {
            Description = "How the --after tasks must end: completed (the default), ended (any way: a clean-up step) or failed (a failure handler); the task is cancelled when one ends otherwise",
        };
        Rule(afterCondition, t => SpecBuilder.ParseAfterCondition(t) is not null, SpecBuilder.AfterConditionRule);
        maxRuntime = new Option<string?>("--max-runtime")
        {
            Description = "The longest one run may take, e.g. 90s, 45m, 2h, 1d12h (time paused by higher-priority work does not count): the task fails past it",
        };
        Rule(maxRuntime, t => Durations.Parse(t) is not null, Durations.Rule);
        idleTimeout = new Option<string?>("--idle-timeout")
        {
            Description = "How long a run may leave its cards idle, e.g. 30m (time paused by higher-priority work does not count): the pool then stops it and the task ends cancelled",
        };
        Rule(idleTimeout, t => Durations.Parse(t) is not null, Durations.Rule);
        readiness = new Option<string?>("--readiness")
        {
            Description = "A check of whether a run serves yet: :PORT/PATH (an HTTP GET on its node's loopback, 200-399 passes), grpc:PORT[/SERVICE] (a gRPC health check there answers SERVING), tcp:PORT (a connection there is accepted) or a command (exit 0 passes), every 10s; a deployment counts the replica only once it passes (a spec file's readiness: sets the timing)",
        };
        liveness = new Option<string?>("--liveness")
        {
            Description = "A check of whether a run still works, as --readiness: after 3 failures in a row the run is stopped as failed (--restart may queue it again)",
        };
        startup = new Option<string?>("--startup")
        {
            Description = "A check of whether a run has started, as --readiness: its other probes wait until it passes; after 3 failures in a row the run is stopped as failed (a spec file's startup: sets failures, the longest start allowed being every x failures)",
        };
        foreach (var probe in new[] { readiness, liveness, startup })
        {
            Rule(probe, t => HealthProbe.Parse(t) is not null, HealthProbe.Rule);
        }

        stopGrace = new Option<string?>("--stop-grace")
        {
            Description = "How long a stopped run has between SIGTERM and SIGKILL, e.g. 30s for a server finishing its requests or 5m for a checkpoint (default: its node's, 10s; 0 to 1h)",
        };
        Rule(stopGrace, t => Durations.Parse(t) is not null || t?.Trim() == "0", Durations.Rule);
        restart = new Option<string?>("--restart")
        {
            Description = "never, or on-failure[:N]: a failed run or a lost node queues the task again, up to N times (default 3)",
        };
        Rule(restart, t => SpecBuilder.ParseRestart(t) is not null, SpecBuilder.RestartRule);
    }

    /// <summary>Refuses a value of <paramref name="option"/> that does not keep <paramref name="rule"/>: "--flag: 'value' rule".</summary>
    private static void Rule(Option<string?> option, Func<string?, bool> holds, string rule) =>
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is var value && !holds(value))
            {
                r.AddError($"{option.Name}: '{value}' {rule}");
            }
        });

    /// <summary>Every flag, to add to a command.</summary>
    public IEnumerable<Option> All => [file, name, tenant, priority, compute, memory, gpus, cpu, hostMemory, models, dc, kind, commandLine, env, workdir, labels, items, ms, rps, failFast, spread, maxPerDomain, topologyKey, spreadPreferred, nodeSelector, affinity, preferredAffinity, toleration, after, afterCondition, maxRuntime, idleTimeout, readiness, liveness, startup, stopGrace, restart, notify, notifyStart, stayPut];

    /// <summary>
    /// The spec the flags and the spec file under them give, with <paramref name="id"/> (and <paramref name="defaultName"/>
    /// when neither names the task); its task spec built and checked by <see cref="SpecBuilder"/>.
    /// </summary>
    public async Task<(SpecFile Spec, TaskSpec Task)> ReadAsync(ParseResult r, string? id, CancellationToken ct, string? defaultName = null)
    {
        var fromFlags = new SpecFile
        {
            Id = id, Name = r.GetValue(name), Tenant = r.GetValue(tenant), Priority = r.GetValue(priority),
            Compute = r.GetValue(compute), Memory = r.GetValue(memory), Gpus = r.GetValue(gpus), Cpu = r.GetValue(cpu),
            HostMemory = r.GetValue(hostMemory), Models = [.. r.GetValue(models) ?? []], DataCenter = r.GetValue(dc),
            Kind = r.GetValue(kind), Command = r.GetValue(commandLine),
            Env = r.GetValue(env) is { Length: > 0 } vars ? vars.Select(v => v.Split('=', 2)).GroupBy(v => v[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal) : null,
            Workdir = r.GetValue(workdir), Labels = OrionCli.LabelsOf(r, labels), Items = r.GetValue(items), MsPerItem = r.GetValue(ms), Rps = r.GetValue(rps),
            FailFast = r.GetValue(failFast) ? true : null, Spread = r.GetValue(spread), MaxPerDomain = r.GetValue(maxPerDomain),
            TopologyKey = r.GetValue(topologyKey),
            SpreadPreferred = r.GetValue(spreadPreferred) ? true : null,
            NodeSelector = OrionCli.LabelsOf(r, nodeSelector),
            Tolerations = r.GetValue(toleration) is { Length: > 0 } tolerated ? [.. tolerated] : null,
            NodeAffinity = r.GetValue(affinity) is { Length: > 0 } rules ? [.. rules] : null,
            PreferredNodeAffinity = r.GetValue(preferredAffinity) is { Length: > 0 } wishes ? [.. wishes] : null,
            After = r.GetValue(after) is { Length: > 0 } awaited ? [.. awaited] : null, AfterCondition = r.GetValue(afterCondition),
            MaxRuntime = r.GetValue(maxRuntime), IdleTimeout = r.GetValue(idleTimeout), Restart = r.GetValue(restart), Notify = r.GetValue(notify), NotifyStart = r.GetValue(notifyStart) ? true : null, StayPut = r.GetValue(stayPut) ? true : null,
            Readiness = ProbeFile.Short(r.GetValue(readiness)), Liveness = ProbeFile.Short(r.GetValue(liveness)), StopGrace = r.GetValue(stopGrace),
            Startup = ProbeFile.Short(r.GetValue(startup)),
        };
        var spec = fromFlags;
        if (r.GetValue(file) is { } f)
        {
            if (!f.Exists)
            {
                throw new CliException($"--file: {f.FullName} does not exist", ExitCodes.BadInput);
            }

            spec = fromFlags.Over(SpecBuilder.Parse(await OrionCli.ReadSpecFile(f, ct), f.Name));
        }

        spec.Name ??= defaultName;
        return (spec, SpecBuilder.Build(spec));
    }
}
