using Orion.Client.Monitoring;
using Orion.Contracts;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Orion.Cli;

/// <summary>The CLI's tables.</summary>
public static class Views
{
    public static Table Tasks(IEnumerable<TaskSummary> tasks)
    {
        var table = new Table().AddColumns("TASK", "NAME", "TENANT", "PRIORITY", "STATE", "WHERE", "COMPUTE", "MEMORY");
        foreach (var t in tasks)
        {
            table.AddRow(Text(t.TaskId), Text(t.Name), Text(t.Tenant), Text(t.Priority), State(t.State, t.HostMiB > 0, t.QuotaWait is not null, t.Borrowed),
                Text(t.GpuIds.IsDefaultOrEmpty ? "-" : string.Join(",", t.GpuIds)), Text(Percent(t.ComputeMilli)), Text(Memory(t.GpuMemoryMiB)));
        }

        return table;
    }

    public static Table Task(VGpuTaskStatus s) => Task(s, null);

    /// <summary>One task, with why it does not run yet when known (<see cref="Orion.Client.OrionClient.WhyWaitingAsync"/>).</summary>
    public static Table Task(VGpuTaskStatus s, string? waiting)
    {
        var table = new Table().HideHeaders().AddColumns("field", "value");
        table.AddRow(Text("task"), Text(s.TaskId));
        table.AddRow(Text("name"), Text(s.Spec.Name));
        table.AddRow(Text("tenant"), Text(s.Spec.Tenant));
        table.AddRow(Text("priority"), Text(s.Spec.Priority.ToString()));
        table.AddRow(Text("state"), State(s.State.ToString(), s.HostMiB > 0, s.QuotaWait is not null, s.Borrowed));
        table.AddRow(Text("where"), Text(s.Placement is { } p ? string.Join(",", p.GpuIds) : "-"));
        table.AddRow(Text("compute"), Text(Percent(s.Placement?.ComputeMilli ?? s.Spec.Resources.ComputeMilli)));
        table.AddRow(Text("memory"), Text($"{Memory(s.ResidentMiB)} on device, {Memory(s.HostMiB)} on host"));
        table.AddRow(Text("submitted"), Text(s.SubmittedAt.ToString("u")));
        table.AddRow(Text("paused"), Text($"{s.SuspendCount} time(s), {s.SuspendedFor.TotalSeconds:0.#} s"));
        if (s.QuotaWait is { } quota)
        {
            table.AddRow(Text("waiting for quota"), Text(quota));
        }
        else if (waiting is not null)
        {
            table.AddRow(Text("waiting"), Text(waiting));
        }

        if (s.HeldBy is { } held)
        {
            table.AddRow(Text("paused by an operator"), Text($"{held} (orion resume {s.TaskId} {(s.State is TaskState.Pending or TaskState.Blocked ? "lets it be queued" : "runs it on")})"));
        }

        if (s.Borrowed)
        {
            table.AddRow(Text("borrowed room"), Text("beyond its tenant's quota: evicted and queued again when a task within its quota needs the room"));
        }

        if (s.Spec.Labels is { Count: > 0 } labels)
        {
            table.AddRow(Text("labels"), Text(string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))));
        }

        if (s.Spec.Workload is { Kind: WorkloadKind.Process } process)
        {
            table.AddRow(Text("command"), Text(process.CommandLine ?? ""));
            if (process.Environment is { Count: > 0 } environment)
            {
                // Names only: values may be credentials (--json shows the spec whole).
                table.AddRow(Text("environment"), Text(string.Join(", ", environment.Keys.Order(StringComparer.Ordinal))));
            }

            if (process.WorkingDirectory is { } directory)
            {
                table.AddRow(Text("working directory"), Text(directory));
            }
        }

        if (s.Spec.Startup is { } startup)
        {
            table.AddRow(Text("startup"), Text($"{startup}: the other probes wait for it; stopped as failed after {startup.FailureThreshold} in a row"));
        }

        if (s.Spec.Readiness is { } readiness)
        {
            table.AddRow(Text("readiness"), Text(readiness + s.Ready switch
            {
                true => ": ready",
                false => $": not ready ({s.NotReadyBecause ?? "no pass yet"})",
                null => "",
            }));
        }

        if (s.Spec.Liveness is { } liveness)
        {
            table.AddRow(Text("liveness"), Text($"{liveness}: stopped as failed after {liveness.FailureThreshold} in a row"));
        }

        if (s.Spec.StopGrace is { } grace)
        {
            table.AddRow(Text("stop grace"), Text($"{(grace == TimeSpan.Zero ? "0s" : Durations.Format(grace))} between SIGTERM and SIGKILL"));
        }

        if (s.Spec.Gang is { } gang)
        {
            table.AddRow(Text("gang"), Text(s.Placement is { Gang.IsEmpty: false } placed
                ? $"{gang.Name} ({gang.Size} members), placed with {string.Join(", ", placed.Gang)}{(placed.Rendezvous is { } meet ? $"; {meet}" : "")}"
                : $"{gang.Name} ({gang.Size} members), placed all together or not at all"));
        }

        if (s.Spec.Constraints.NodeSelector is { Count: > 0 } selector)
        {
            table.AddRow(Text("node selector"), Text(string.Join(", ", selector.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))));
        }

        if (s.Spec.Constraints.NodeAffinity is { Count: > 0 } affinity)
        {
            table.AddRow(Text("node affinity"), Text(string.Join(", ", affinity.Select(a => NodeRequirement.Parse(a)?.ToString() ?? a))));
        }

        if (s.Spec.Constraints.PreferredNodeAffinity is { Count: > 0 } preferred)
        {
            table.AddRow(Text("prefers nodes"), Text(string.Join(", ", preferred.Select(a => NodeRequirement.Parse(a)?.ToString() ?? a)) + (preferred.Count > 1 ? " (earlier ones weigh more)" : "")));
        }

        if (s.Spec.Constraints.Tolerations is { Count: > 0 } tolerations)
        {
            table.AddRow(Text("tolerates"), Text(string.Join(", ", tolerations.Select(t => t.Contains('=', StringComparison.Ordinal) ? t : $"{t} (any value)"))));
        }

        if (s.Spec.Constraints.Spread is { } spread)
        {
            table.AddRow(Text("spread"), Text($"group {spread.Group}: at most {spread.MaxPerDomain} of {s.Spec.Tenant}'s tasks of it "
                + (spread.TopologyKey is { } key ? $"per {key} (nodes with the same {key} label)" : "on a node")
                + (spread.Preferred ? " (preferred: beyond that, where the group is thinnest)" : "")));
        }

        if (s.Spec.After is { Count: > 0 } after)
        {
            var wanted = TaskAfter.Wanted(s.Spec.AfterCondition);
            table.AddRow(Text("runs after"), Text(string.Join(", ", after)
                + (s.Spec.AfterCondition == AfterCondition.Completed ? "" : $" (once they {wanted})")
                + (s.Awaiting is { Count: > 0 } awaiting && awaiting.Count < after.Count ? $" ({awaiting.Count} still to {wanted})" : "")));
        }

        if (s.Spec.MaxRuntime is { } limit)
        {
            table.AddRow(Text("max runtime"), Text($"{Durations.Format(limit)} per run, not counting time paused"));
        }

        if (s.Spec.IdleTimeout is { } idle)
        {
            table.AddRow(Text("idle timeout"), Text($"stopped once its cards are idle for {Durations.Format(idle)}, not counting time paused"));
        }

        if (s.Spec.StayPut)
        {
            table.AddRow(Text("stays put"), Text("never moved to gather room for another task (a drain still moves it)"));
        }

        if (s.Runs > 0)
        {
            table.AddRow(Text("held"), Text($"{s.CardSeconds / 3600:0.###} card-hours and {s.MemoryMiBSeconds / 1024 / 3600:0.###} GiB-hours of GPU memory over {s.Runs} ended run(s)"));
        }

        if (s.PastRuns is { Count: > 0 } runs)
        {
            // Newest first; each one's log: orion logs TASK --generation N.
            table.AddRow(Text("runs"), Text(string.Join("\n", runs.AsEnumerable().Reverse().Select(run =>
                $"generation {run.Generation} on {run.NodeId}, {(run.StartedAt is { } started ? $"{started:u} to {run.EndedAt:u}" : $"never started, let go {run.EndedAt:u}")}"
                + (run.Reason is { } why ? $": {why}" : "")))));
        }

        if (s.ExitReason is { } reason)
        {
            table.AddRow(Text("reason"), Text(reason));
        }

        return table;
    }

    /// <summary>A dry run's lines: nothing submitted, then the quota, the tasks it runs after, and each data centre.</summary>
    public static IEnumerable<string> Preview(Orion.Client.TaskPreview p)
    {
        yield return p.Count > 1 ? $"dry run, nothing submitted ({p.Count} tasks, each placed as if the ones before had been)" : "dry run, nothing submitted";
        // A job array's: how many its quota admits now, and what the rest would do.
        var (who, admitted) = p.Quota.Admits is { } admits && p.Count > 1 ? ("the rest", $"{admits} of the {p.Count} admitted now; ") : ("it", "");
        yield return p.Quota.Outcome switch
        {
            AdmitOutcome.Admitted => p.Count > 1 ? $"quota: all {p.Count} admitted now" : "quota: admitted now",
            AdmitOutcome.Borrowed => $"quota: {admitted}over it ({string.Join("; ", p.Quota.Errors)}); {who} would run on borrowed room, evicted when a task within its quota needs it",
            AdmitOutcome.Waiting => $"quota: {admitted}{who} would wait in its tenant's line: {string.Join("; ", p.Quota.Errors)}",
            _ => $"quota: refused: {string.Join("; ", p.Quota.Errors)}",
        };
        foreach (var refusal in p.Refusals)
        {
            yield return $"refused: {refusal}";
        }

        if (!p.Awaiting.IsEmpty)
        {
            yield return $"blocked until {string.Join(", ", p.Awaiting)} {TaskAfter.Wanted(p.AfterCondition)} (it runs after them)";
        }

        if (p.DataCenters.IsEmpty)
        {
            yield return "no data centre has nodes yet";
        }

        foreach (var dc in p.DataCenters)
        {
            var queued = dc.Queued > 0 ? $"; {dc.Queued} task(s) queued there go first if they fit" : "";
            yield return (dc.NodeId, p.Count) switch
            {
                (null, _) => $"{dc.DataCenter}: {dc.Explanation}",
                ({ } node, 1) => $"{dc.DataCenter}: would run on {node} ({string.Join(", ", dc.GpuIds)}) now{queued}",
                _ => $"{dc.DataCenter}: {(dc.Fits >= p.Count ? $"all {p.Count}" : $"{dc.Fits} of {p.Count}")} would run now, on "
                    + string.Join(", ", dc.Members.GroupBy(n => n, StringComparer.Ordinal).Select(g => g.Count() > 1 ? $"{g.Key} ×{g.Count()}" : g.Key))
                    + (dc.Fits < p.Count ? $"; the rest would wait: {dc.Explanation}" : "") + queued,
            };
        }
    }

    /// <summary>Tenants' consumption over the days asked, with a total row.</summary>
    public static Table Consumption(IReadOnlyList<TenantConsumption> tenants, DateOnly from, DateOnly to)
    {
        // Split by a label: a LABEL column ("key=value", or "key: none" for the tasks without it); by data centre, a DATA
        // CENTRE column ("before data centres were metered" for the rest).
        var bySite = tenants.Any(c => c.DataCenter is not null);
        var split = bySite || tenants.Any(c => c.Label is not null);
        var table = new Table().AddColumns(["TENANT", .. split ? [bySite ? "DATA CENTRE" : "LABEL"] : Array.Empty<string>(), "CARD-HOURS", "GPU MEMORY GiB-HOURS", "RUNS ENDED", "RUNNING NOW"])
            .Caption($"{from:yyyy-MM-dd} to {to:yyyy-MM-dd} (UTC), held from placement until let go");
        foreach (var c in tenants)
        {
            var label = c.DataCenter is { } dc ? (dc.Length > 0 ? dc : "before data centres were metered")
                : c.Label is { } l && !l.Contains('=', StringComparison.Ordinal) ? $"{l}: none" : c.Label ?? "";
            table.AddRow([Text(c.Tenant), .. split ? [Text(label)] : Array.Empty<IRenderable>(), Text(Hours(c.CardHours)), Text(Hours(c.GpuMemoryGiBHours)), Text($"{c.Runs}"), Text($"{c.RunningNow}")]);
        }

        if (tenants.Count > 1)
        {
            table.AddRow([Text("total"), .. split ? [Text("")] : Array.Empty<IRenderable>(), Text(Hours(tenants.Sum(c => c.CardHours))), Text(Hours(tenants.Sum(c => c.GpuMemoryGiBHours))),
                Text($"{tenants.Sum(c => c.Runs)}"), Text($"{tenants.Sum(c => c.RunningNow)}")]);
        }

        return table;
    }

    private static string Hours(double hours) => hours.ToString(hours >= 100 ? "N0" : "0.###", System.Globalization.CultureInfo.InvariantCulture);

    public static Table Deployments(IEnumerable<DeploymentStatus> deployments) => Deployments(deployments.Select(DeploymentSummary.Of));

    public static Table Deployments(IEnumerable<DeploymentSummary> deployments)
    {
        var table = new Table().AddColumns("DEPLOYMENT", "TENANT", "READY", "LIVE", "REVISION", "AUTOSCALE", "STATUS");
        foreach (var d in deployments)
        {
            table.AddRow(Text(d.Name), Text(d.Tenant), Text($"{d.Ready}/{d.Replicas}"), Text(d.Live.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Text(d.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Text(d.Autoscale is { } a ? $"{a}{(d.Measured is { } now ? $" (now {now})" : "")}" : "-"), Text(d.Status));
        }

        return table;
    }

    /// <summary>One deployment: what it keeps, how it stands, and each live replica.</summary>
    public static IRenderable Deployment(DeploymentStatus d)
    {
        var about = new Table().HideHeaders().AddColumns("field", "value");
        about.AddRow(Text("deployment"), Text(d.Name));
        about.AddRow(Text("tenant"), Text(d.Template.Tenant));
        about.AddRow(Text("ready"), Text($"{d.Ready} of {d.Replicas} (revision {d.Revision}), {d.Tasks.Length} live"));
        about.AddRow(Text("status"), Text(DeploymentSummary.StateOf(d)));
        if (DeploymentSummary.AutoscaleOf(d) is { } autoscale)
        {
            var measured = DeploymentSummary.Of(d).Measured;
            about.AddRow(Text("autoscale"), Text($"{autoscale}; {(measured is null ? "not measured yet" : measured + " at the last look")}{(d.MetricUnread is { } unread ? $" (not read: {unread})" : "")}"));
        }

        about.AddRow(Text("strategy"), Text(DeploymentSummary.StrategyOf(d)));
        about.AddRow(Text("each replica"), Text(EachReplica(d.Template)));
        about.AddRow(Text("created"), Text(d.CreatedAt.ToString("u")));
        about.AddRow(Text("updated"), Text(d.UpdatedAt.ToString("u")));
        if (d.LastFailure is { } failure)
        {
            about.AddRow(Text("last failure"), Text($"{failure} ({d.FailuresInRow} in a row)"));
        }

        var replicas = new Table().AddColumns("REPLICA", "REVISION", "STATE", "NODE");
        foreach (var t in d.Tasks)
        {
            replicas.AddRow(Text(t.TaskId), Text(t.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(t.State + (t.Warming ? " (warming up)" : t.NotReady ? " (not ready)" : "")), Text(t.NodeId ?? "-"));
        }

        // The revisions kept, for `orion rollback NAME --to N`.
        var revisions = new Table().AddColumns("REVISION", "SINCE", "EACH REPLICA", "RUNS");
        foreach (var v in d.Revisions.IsDefault ? [] : d.Revisions.Reverse())
        {
            revisions.AddRow(
                Text(v.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) + (v.Revision == d.Revision ? " (current)" : "")),
                Text(v.At.ToString("u")), Text(EachReplica(v.Template)), Text(v.Template.Workload.CommandLine ?? v.Template.Workload.Kind.ToString().ToLowerInvariant()));
        }

        return new Rows(about, replicas, revisions);
    }

    private static string EachReplica(TaskSpec t) =>
        $"{t.Priority}, {(t.Resources.GpuCount > 1 ? $"{t.Resources.GpuCount} cards" : Percent(t.Resources.ComputeMilli))}, {Memory(t.Resources.GpuMemoryMiB)}";

    public static Table Settings(PoolSettings s)
    {
        var table = new Table().HideHeaders().AddColumns("field", "value");
        table.AddRow(Text("policy"), Text(s.Policy));
        table.AddRow(Text("compute oversubscription"), Text($"×{s.ComputeOversubscription:0.##}"));
        table.AddRow(Text("memory oversubscription"), Text($"×{s.MemoryOversubscription:0.##}"));
        table.AddRow(Text("evict lower priority"), Text(s.EvictLowerPriority ? "on: a higher-class task that fits nowhere evicts lower-class work" : "off: a task that fits nowhere waits"));
        table.AddRow(Text("consolidate"), Text(s.Consolidate ? "on: a task that fits nowhere has offline work moved to nodes where it fits now" : "off: scattered room is not gathered"));
        table.AddRow(Text("fair share"), Text(s.FairShareHalfLife is { } halfLife
            ? $"by holdings now and past use, halving every {Durations.Format(halfLife)}"
            : "by holdings now"));
        table.AddRow(Text("fair share eviction"), Text(s.FairShareEviction
            ? "on: a task that fits nowhere evicts offline work of tenants over their fair share"
            : "off: fair share orders the queue, nothing is evicted for it"));
        table.AddRow(Text("default quota"), Text(DefaultQuota(s.DefaultQuota)));
        table.AddRow(Text("source"), Text(s.ChangedAt is { } at ? $"changed live at {at:u} (version {s.Version})" : "the silos' configuration"));
        return table;
    }

    public static Table Tenants(IEnumerable<TenantUsage> tenants)
    {
        static string Of(string used, string? limit) => limit is null ? used : $"{used} / {limit}";
        var table = new Table().AddColumns("TENANT", "COMPUTE", "GPU MEMORY", "LIVE TASKS", "WAITING", "BORROWED", "WEIGHT", "MAX PRIORITY", "CARD-HOURS THIS MONTH");
        foreach (var u in tenants)
        {
            var q = u.Quota;
            table.AddRow(Text(u.Tenant), Text(Of($"{u.GpuPercent:0.#}%", q?.GpuPercent is { } p ? $"{p:0.#}%" : null)),
                Text(Of(Memory(u.GpuMemoryMiB), q?.GpuMemoryMiB is { } m ? Memory(m) : null)),
                Text(Of($"{u.Tasks}", q?.Tasks?.ToString(System.Globalization.CultureInfo.InvariantCulture))), Text($"{u.Waiting}"), Text(Borrowed(u)), Text(Weight(q)),
                Text(MaxPriority(q)), Text(u.GpuHoursThisMonth is { } spent ? $"{spent:0.##} / {q!.GpuHoursPerMonth:0.##}" : "-"));
        }

        return table;
    }

    public static Table Tenant(TenantUsage u)
    {
        static string Of(string used, string? limit) => limit is null ? $"{used} (no limit)" : $"{used} of {limit}";
        var q = u.Quota;
        var table = new Table().HideHeaders().AddColumns("field", "value");
        table.AddRow(Text("tenant"), Text(u.Tenant));
        table.AddRow(Text("quota"), Text(q is null ? "none" : u.QuotaIsDefault ? "the pool's default (orion quota --default)" : q.IsUnlimited ? "no limits (a weight or an idle timeout only)" : "set"));
        table.AddRow(Text("compute"), Text(Of($"{u.GpuPercent:0.#}%", q?.GpuPercent is { } p ? $"{p:0.#}%" : null)));
        table.AddRow(Text("gpu memory"), Text(Of(Memory(u.GpuMemoryMiB), q?.GpuMemoryMiB is { } m ? Memory(m) : null)));
        table.AddRow(Text("online compute"), Text(Of($"{u.OnlineGpuPercent:0.#}%", q?.OnlineGpuPercent is { } o ? $"{o:0.#}%" : null)));
        table.AddRow(Text("live tasks"), Text(Of($"{u.Tasks}", q?.Tasks?.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        table.AddRow(Text("waiting"), Text($"{u.Waiting}"));
        if (u.SetAsideTasks > 0)
        {
            table.AddRow(Text("set aside for gangs"), Text($"{u.SetAsideGpuPercent:0.#}% and {Memory(u.SetAsideGpuMemoryMiB)} for {u.SetAsideTasks} member(s) still to come"));
        }

        table.AddRow(Text("borrowed room"), Text(Borrowed(u)));
        table.AddRow(Text("fair-share weight"), Text(Weight(q)));
        table.AddRow(Text("max priority"), Text(MaxPriority(q)));
        table.AddRow(Text("idle timeout"), Text(q?.IdleTimeout is { } idle ? $"{Durations.Format(idle)} (its tasks' runs stop once their cards are idle that long)" : "none of its own"));
        table.AddRow(Text("card-hours this month"), Text(u.GpuHoursThisMonth is { } spent
            ? $"{spent:0.##} of {q!.GpuHoursPerMonth:0.##}{(spent >= q.GpuHoursPerMonth ? " (spent: new tasks wait for the next month, UTC)" : "")}"
            : "no budget"));
        return table;
    }

    /// <summary>The pool's default quota in a line: its limits, or that a tenant without a quota of its own is unbounded.</summary>
    public static string DefaultQuota(TenantQuota? q) =>
        q is null ? "none: a tenant without a quota of its own is unbounded" : $"{q.Summary()}, for each tenant without a quota of its own";

    /// <summary>The highest class the tenant may run: "any" without a cap.</summary>
    private static string MaxPriority(TenantQuota? quota) => quota?.MaxPriority?.ToString().ToLowerInvariant() ?? "any";

    /// <summary>What a tenant runs on borrowed room: "off" when its quota does not lend.</summary>
    private static string Borrowed(TenantUsage u) =>
        u.Quota?.Lends != true && u.Borrowed == 0 ? "off" : $"{u.BorrowedGpuPercent:0.#}% in {u.Borrowed} task(s)";

    private static string Weight(TenantQuota? quota) => Weight(quota?.Weight ?? 1);

    private static string Weight(double weight) => weight.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A node's maintenance windows, in start order.</summary>
    public static IRenderable Maintenance(System.Collections.Immutable.ImmutableArray<MaintenanceWindow> windows) =>
        windows.IsDefaultOrEmpty ? new Text($"no maintenance planned{Environment.NewLine}") : Maintenance([.. windows.Select(w => ((string?)null, w))]);

    /// <summary>Several nodes' maintenance windows, node by node.</summary>
    public static IRenderable Maintenance(IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableArray<MaintenanceWindow>> nodes)
    {
        var rows = nodes.OrderBy(n => n.Key, StringComparer.Ordinal).SelectMany(n => n.Value.IsDefault ? [] : n.Value.Select(w => ((string?)n.Key, w))).ToList();
        return rows.Count == 0 ? new Text($"no maintenance planned{Environment.NewLine}") : Maintenance(rows);
    }

    private static Table Maintenance(List<(string? Node, MaintenanceWindow Window)> rows)
    {
        var byNode = rows.Any(r => r.Node is not null);
        var table = new Table();
        if (byNode)
        {
            table.AddColumn("NODE");
        }

        table.AddColumns("START", "END", "EVERY", "DRAIN", "NOTICE FROM", "REASON");
        foreach (var (node, w) in rows)
        {
            IRenderable[] cells = [Text(MaintenanceWindow.Format(w.Start)), Text(MaintenanceWindow.Format(w.End)), Text(w.Every is { } e ? Durations.Format(e) : "-"), Text(w.Drain ? "yes" : "no"),
                Text(w.Notice > TimeSpan.Zero ? MaintenanceWindow.Format(w.NoticeFrom) : "-"), Text(w.Reason)];
            table.AddRow(byNode ? [Text(node!), .. cells] : cells);
        }

        return table;
    }

    public static Table Nodes(IEnumerable<NodeSummary> nodes)
    {
        var table = new Table().AddColumns("NODE", "DC", "STATE", "BACKEND", "CPU", "RAM", "GPUS", "COMPUTE", "GPU MEMORY", "LABELS", "TAINTS");
        foreach (var n in nodes)
        {
            // The backend and what holds its slices ("none": tasks time-share its cards).
            var next = n.Maintenance.IsDefaultOrEmpty || n.CordonReason == n.Maintenance[0].CordonText ? "" : $" (maintenance {MaintenanceWindow.Format(n.Maintenance[0].Start)})";
            table.AddRow(Text(n.NodeId), Text(n.DataCenter), Text((n.CordonReason is { } why ? $"cordoned: {why}" : n.Schedulable ? "ready" : "not schedulable") + next),
                Text(n.Backend.Length == 0 ? "-" : $"{n.Backend} (slices: {n.SliceEnforcement})"),
                Text($"{n.CpuAllocatedMilli / 1000.0:0.#}/{n.CpuCapacityMilli / 1000.0:0.#}"),
                Text($"{Memory(n.MemoryAllocatedMiB)}/{Memory(n.MemoryCapacityMiB)}"),
                Text(CardCount(n.Cards)),
                Text($"{Percent(n.Cards.Sum(c => c.ComputeAllocatedMilli))}/{Percent(n.Cards.Sum(c => c.ComputeCapacityMilli))}"),
                Text($"{Memory(n.Cards.Sum(c => c.MemoryAllocatedMiB))}/{Memory(n.Cards.Sum(c => c.MemoryMiB))}"),
                Text(Pairs(n.Labels)), Text(Pairs(n.Taints)));
        }

        return table;
    }

    /// <summary>A node's cards, and how many of them take no work and why.</summary>
    private static string CardCount(IReadOnlyCollection<CardSummary> cards)
    {
        var (faulted, cordoned) = (cards.Count(c => c.Fault is not null), cards.Count(c => c.Fault is null && c.CordonReason is not null));
        var closed = string.Join(", ", new[] { faulted > 0 ? $"{faulted} faulted" : null, cordoned > 0 ? $"{cordoned} cordoned" : null }.OfType<string>());
        return closed.Length == 0 ? cards.Count.ToString() : $"{cards.Count} ({closed})";
    }

    public static Table Gpus(IEnumerable<CardSummary> cards)
    {
        // A node's link groups, where it has more than one: a task of several cards runs best within one.
        var grouped = cards.GroupBy(c => c.NodeId).Where(n => n.Select(c => c.LinkDomain).Distinct().Count() > 1).Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
        var table = new Table().AddColumns("GPU", "MODEL", "HEALTH", "ALLOCATED", "IN USE", "DEVICE MEMORY", "ON HOST", "MEASURED", "TASKS");
        foreach (var c in cards)
        {
            // What the daemon measured at its last heartbeat (busy, memory in use), beside the books; "-" when it cannot measure.
            var measured = c.MeasuredBusyPercent is { } busy ? $"{busy:0.#}% {Memory(c.MeasuredMemoryMiB ?? 0)}" : "-";
            table.AddRow(Text(c.GpuId), Text(grouped.Contains(c.NodeId) ? $"{c.Model} (link {c.LinkDomain})" : c.Model), Text(c.Fault is { } fault ? $"faulted: {fault}" : c.CordonReason is { } why ? $"cordoned: {why}" : "ok"), Text($"{Percent(c.ComputeAllocatedMilli)}/{Percent(c.ComputeCapacityMilli)}"),
                Text(Percent(c.ComputeInUseMilli)), Text($"{Memory(c.ResidentMiB)}/{Memory(c.MemoryMiB)}"), Text(Memory(c.HostMiB)), Text(measured),
                Text(string.Join(" ", c.Slices.Select(s => $"{s.TaskId}:{(s.HostMiB >= s.MemoryMiB && s.OnHost ? "swapped" : s.HostMiB > 0 ? $"{s.State} ({s.HostMiB} MiB swapped)" : s.State)}"))));
        }

        return table;
    }

    public static Table Shares(IEnumerable<TenantShare> shares)
    {
        static string Of(double share) => $"{100 * share:0.#}%";
        var table = new Table().AddColumns("TENANT", "COMPUTE", "GPU MEMORY", "SHARE", "PAST USE", "WEIGHT", "SHARE/WEIGHT", "QUEUED");
        foreach (var s in shares)
        {
            table.AddRow(Text(s.Tenant), Text(Percent(s.ComputeMilli)), Text(Memory(s.MemoryMiB)), Text(Of(s.Share)),
                Text(s.PastShare is { } past ? Of(past) : "–"), Text(Weight(s.Weight)), Text(Of(s.WeightedShare)), Text($"{s.Queued}"));
        }

        return table;
    }

    /// <summary>The pool at a glance: totals, busiest cards first, the deployments, then the running and queued tasks.</summary>
    public static IRenderable Top(PoolSummary pool)
    {
        var cards = pool.Cards.ToList();
        var header = new Markup(Markup.Escape(
            $"{pool.At:u}  nodes {pool.Nodes.Length}  gpus {cards.Count}  compute {Percent(cards.Sum(c => c.ComputeInUseMilli))} in use of {Percent(cards.Sum(c => c.ComputeAllocatedMilli))} allocated  " +
            $"queued {pool.Queue.Length}  " + string.Join("  ", pool.TasksByState.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key.ToLowerInvariant()} {kv.Value}")) +
            string.Concat(FreeRoom.Of(pool.Nodes).Select(r => $"\n{r.DataCenter}: {Percent(r.FreeComputeMilli)} free, {r.EmptyCards} empty card(s), {r.ScatteredShare * 100:0}% of the free compute scattered over cards in use"))));
        var busiest = Gpus(cards.OrderByDescending(c => c.ComputeAllocatedMilli).ThenBy(c => c.GpuId, StringComparer.Ordinal));
        var live = Tasks(pool.Tasks.Where(t => t.State is "Running" or "Suspended" or "Placing" or "Pending").OrderByDescending(t => t.ComputeMilli));
        return pool.Deployments is { IsDefaultOrEmpty: false } deployments
            ? new Rows(header, busiest, Deployments(deployments.OrderBy(d => d.Name, StringComparer.Ordinal)), live)
            : new Rows(header, busiest, live);
    }

    public static string Percent(long milli) => $"{milli / 10.0:0.#}%";

    public static string Memory(long mib) => mib >= 1024 ? $"{mib / 1024.0:0.#}GiB" : $"{mib}MiB";

    private static Text Text(string s) => new(s);

    private static Markup State(string state, bool swapped, bool waitingForQuota = false, bool borrowed = false)
    {
        var colour = state switch
        {
            "Running" => "green",
            "Suspended" => "yellow",
            "Failed" => "red",
            "Pending" or "Placing" => "blue",
            "Blocked" => "olive",
            _ => "grey",
        };
        return new Markup($"[{colour}]{Markup.Escape(state)}[/]" + (swapped ? " [maroon]swapped[/]" : "") + (waitingForQuota ? " [olive]waiting for quota[/]" : "")
            + (borrowed ? " [teal]borrowed[/]" : ""));
    }

    /// <summary>Tokens issued through the pool: what each may do, until when, and who issued it.</summary>
    public static Table Tokens(IEnumerable<IssuedToken> tokens, DateTimeOffset now)
    {
        var table = new Table().AddColumns("NAME", "ROLE", "FOR", "EXPIRES", "ISSUED", "BY");
        foreach (var t in tokens)
        {
            var expires = t.ExpiresAt is { } at ? $"{at:yyyy-MM-dd HH:mm}Z{(t.HasExpired(now) ? " (expired)" : "")}" : "never";
            table.AddRow(Text(t.Name), Text(t.Role), Text(t.Tenant ?? t.Node ?? "-"), Text(expires), Text($"{t.IssuedAt:yyyy-MM-dd HH:mm}Z"), Text(t.IssuedBy));
        }

        return table;
    }

    /// <summary>Tokens of the silos' settings: what each may do, until when, and which silo's settings were read.</summary>
    public static Table ConfiguredTokens(IEnumerable<ConfiguredToken> tokens, DateTimeOffset now)
    {
        var table = new Table().AddColumns("NAME", "ROLE", "FOR", "EXPIRES", "SILO");
        foreach (var t in tokens)
        {
            var expires = t.ExpiresAt is { } at ? $"{at:yyyy-MM-dd HH:mm}Z{(at <= now ? " (expired)" : "")}" : "never";
            table.AddRow(Text(t.Name), Text(t.Role), Text(t.Tenant ?? t.Node ?? "-"), Text(expires), Text(t.Silo));
        }

        return table;
    }

    public static Table Events(IEnumerable<PoolEvent> events)
    {
        var table = new Table().AddColumns("TIME", "KIND", "TASK", "WHERE", "DETAIL");
        foreach (var e in events)
        {
            table.AddRow(Text($"{e.At:HH:mm:ss.fff}"), Text(e.Kind), Text(e.TaskId), Text(e.Where), Text(e.Detail));
        }

        return table;
    }

    /// <summary>Labels or taints as <c>key=value</c>, comma-separated in key order; "-" for none.</summary>
    internal static string Pairs(IReadOnlyDictionary<string, string>? pairs) =>
        pairs is { Count: > 0 } ? string.Join(",", pairs.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) : "-";
}
