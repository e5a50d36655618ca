using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The real <c>orion</c> CLI refuses bad input with exit 2 and one line before it connects (no silo: 127.0.0.1:1 refuses).</summary>
public sealed class CliBadInputTests
{
    [Theory]
    [InlineData("orion: task: a task id " + TaskIdFormat.Rule, "get", "")]
    [InlineData("orion: task: a task id " + TaskIdFormat.Rule, "cancel", " ")]
    [InlineData("orion: task: a task id " + TaskIdFormat.Rule, "watch", "")]
    [InlineData("orion: task: a task id " + TaskIdFormat.Rule, "get", "team/job-1")]
    [InlineData("orion: --id: a task id " + TaskIdFormat.Rule, "submit", "--id", "", "--compute", "10")]
    [InlineData("orion: --id: a task id " + TaskIdFormat.Rule, "submit", "--id", "job 1", "--compute", "10")]
    [InlineData("orion: --reason: " + CordonReason.Rule, "cordon", "dc1/n0", "--reason", " ")]
    [InlineData("orion: --reason: " + CordonReason.Rule, "drain", "dc1/n0", "--reason", "")]
    [InlineData("orion: --count: must be 1 to 10000", "submit", "--count", "0")]
    [InlineData("orion: --wait: waits for one task, not a job array (--count)", "submit", "--count", "2", "--wait")]
    [InlineData("orion: --gang: needs a job array of at least 2 tasks (--count)", "submit", "--gang", "--compute", "10")]
    [InlineData("orion: the task spec was rejected: gang.size must be 2..256", "submit", "--id", "big", "--count", "257", "--gang", "--compute", "10")]
    [InlineData("orion: max-per-domain: applies to a spread group; give spread too", "submit", "--max-per-domain", "2", "--compute", "10")]
    [InlineData("orion: --node-selector: 'nvlink' is not key=value", "submit", "--node-selector", "nvlink", "--compute", "10")]
    [InlineData("orion: --node-selector: fabric is given twice", "submit", "--node-selector", "fabric=a", "--node-selector", "fabric=b")]
    [InlineData("orion: the task spec was rejected: constraints.spread.maxPerDomain must be 1..1024", "submit", "--spread", "web", "--max-per-domain", "0", "--compute", "10")]
    [InlineData("orion: the task spec was rejected: constraints.spread.group " + TaskIdFormat.Rule, "submit", "--spread", "web/1", "--compute", "10")]
    [InlineData("orion: topology-key: applies to a spread group; give spread too", "submit", "--topology-key", "zone", "--compute", "10")]
    [InlineData("orion: --toleration: 'dedicated=a b' " + NodeTaints.TolerationRule, "submit", "--toleration", "dedicated=a b", "--compute", "10")]
    [InlineData("orion: --after: 'a b' " + Orion.Cli.SpecBuilder.AfterRule, "submit", "--after", "a b", "--compute", "10")]
    [InlineData("orion: --after: 'shard-[5-1]' " + Orion.Cli.SpecBuilder.AfterRule, "submit", "--after", "shard-[5-1]", "--compute", "10")]
    [InlineData("orion: --after: 'shard-[0-1000]' " + Orion.Cli.SpecBuilder.AfterRule, "submit", "--after", "shard-[0-1000]", "--compute", "10")]
    [InlineData("orion: --max-runtime: '90' " + Durations.Rule, "submit", "--max-runtime", "90", "--compute", "10")]
    [InlineData("orion: --idle-timeout: 'soon' " + Durations.Rule, "submit", "--idle-timeout", "soon", "--compute", "10")]
    [InlineData("orion: the task spec was rejected: idleTimeout must be 1 minute to 365 days", "submit", "--idle-timeout", "30s", "--compute", "10")]
    [InlineData("orion: --readiness: ':70000/health' " + HealthProbe.Rule, "submit", "--readiness", ":70000/health", "--compute", "10")]
    [InlineData("orion: --liveness: '' " + HealthProbe.Rule, "submit", "--liveness", "", "--compute", "10")]
    [InlineData("orion: --stop-grace: '10' " + Durations.Rule, "submit", "--stop-grace", "10", "--compute", "10")]
    [InlineData("orion: the task spec was rejected: stopGrace must be 0 to 1 hour", "submit", "--stop-grace", "2h", "--compute", "10")]
    [InlineData("orion: --restart: 'always' " + Orion.Cli.SpecBuilder.RestartRule, "submit", "--restart", "always", "--compute", "10")]
    [InlineData("orion: the task spec was rejected: after must not name a task twice", "submit", "--after", "prep", "--after", "prep", "--compute", "10")]
    [InlineData("orion: --from: '2026-13-01' is not a day (YYYY-MM-DD)", "usage", "--from", "2026-13-01")]
    [InlineData("orion: --from: 2026-12-02 is after --to (2026-12-01)", "usage", "--from", "2026-12-02", "--to", "2026-12-01")]
    [InlineData("orion: --days: must be 1 to 366", "usage", "--days", "0")]
    [InlineData("orion: tenant: " + TenantName.Rule, "usage", " ")]
    [InlineData("orion: --by-label: a label's key " + NodeLabels.KeyRule, "usage", "--by-label", "-project")]
    [InlineData("orion: --by-data-centre and --by-label: usage splits one way at a time, give one", "usage", "--by-label", "project", "--by-data-centre")]
    [InlineData("orion: --wait: a dry run submits nothing to wait for", "submit", "--dry-run", "--wait", "--compute", "10")]
    [InlineData("orion: priority: 'urgent' is not online, training or offline (optionally /level)", "priority", "t-1", "urgent")]
    [InlineData("orion: --tls-trust: '/nonexistent/cluster.pem' cannot be read as a certificate (PEM or DER): ", "--tls-trust", "/nonexistent/cluster.pem", "nodes")]
    [InlineData("orion: --tenant is needed for a token of role tenant, and " + TenantName.Rule, "token", "new", "--role", "tenant", "--tenant", " ")]
    [InlineData("orion: label: 'pool' is not key=value", "label", "dc1/node-0", "pool")]
    [InlineData("orion: label: '--evict' is not key=value", "label", "dc1/node-0", "pool=ci", "--evict")]
    [InlineData("orion: --node-affinity: 'zone in a' " + NodeRequirement.Rule, "submit", "--node-affinity", "zone in a", "--compute", "10")]
    [InlineData("orion: --preferred-node-affinity: '=a' " + NodeRequirement.Rule, "submit", "--preferred-node-affinity", "=a", "--compute", "10")]
    [InlineData("orion: --kind: must be one of placement, preemption, resume, swap-out, swap-in, quota-wait, quota-admit, quota-refusal, hold, quota-borrow, quota-budget, reclaim, eviction, consolidation, operator-pause, operator-resume, run-limit, idle-stop, unhealthy, unblocked",
        "events", "--kind", "placed")]
    [InlineData("orion: --limit: must be 1..500", "events", "--limit", "0")]
    [InlineData("orion: --count: applies with --follow", "events", "--count", "2")]
    [InlineData("orion: taint: dedicated is both set and removed", "taint", "dc1/node-0", "dedicated=ci", "dedicated-")]
    [InlineData("orion: the task spec was rejected: constraints.spread.topologyKey must be null (one domain per node) or a node label key, which " + NodeLabels.KeyRule,
        "submit", "--spread", "web", "--topology-key", "_zone", "--compute", "10")]
    [InlineData("orion: cancel: give a task id, or --tenant (with --state and --label if wanted), not both", "cancel")]
    [InlineData("orion: cancel: give a task id, or --tenant (with --state and --label if wanted), not both", "cancel", "t-1", "--tenant", "search")]
    [InlineData("orion: --tenant: " + TenantName.Rule, "cancel", "--tenant", " ")]
    [InlineData("orion: tenant: name the tenant whose quota to set or clear", "quota", "--tasks", "3")]
    [InlineData("orion: --gpu-memory: 'lots' is not a size", "quota", "search", "--gpu-memory", "lots")]
    [InlineData("orion: --weight must be 0.01 to 100 (1 is an equal share)", "quota", "search", "--weight", "0")]
    [InlineData("orion: --clear takes no limits, weight, priority cap, budget or idle timeout", "quota", "search", "--clear", "--weight", "2")]
    [InlineData("orion: --at: " + Orion.Cli.Moments.Rule, "maintenance", "dc1/node-0", "--at", "soon", "--for", "1h")]
    [InlineData("orion: --at: " + Orion.Cli.Moments.Rule, "maintenance", "dc1/node-0", "--at", "2026", "--for", "1h")]
    [InlineData("orion: --cancel: " + Orion.Cli.Moments.Rule, "maintenance", "dc1/node-0", "--cancel", "+1x")]
    [InlineData("orion: --for: " + Durations.Rule, "maintenance", "dc1/node-0", "--at", "+1h", "--for", "4")]
    [InlineData("orion: --within applies with --wait", "drain", "dc1/node-0", "--within", "1m")]
    [InlineData("orion: --within: " + Durations.Rule + ", more than 0s", "drain", "dc1/node-0", "--wait", "--within", "0s")]
    [InlineData("orion: maintenance: name the nodes to plan the window on", "maintenance", "--at", "+1h", "--for", "1h")]
    [InlineData("orion: maintenance: --for is needed with --at: how long the window lasts (1m to 30d)", "maintenance", "dc1/node-0", "--at", "+1h")]
    [InlineData("orion: maintenance: --for, --drain plan a window: give its start with --at", "maintenance", "dc1/node-0", "--for", "1h", "--drain")]
    [InlineData("orion: maintenance: --at plans a window and --cancel cancels one: give one of them", "maintenance", "dc1/node-0", "--at", "+1h", "--cancel", "+1h")]
    [InlineData("orion: --for must be 1m to 30d; got 30s; --notice must be 0s to 30d; got 31d", "maintenance", "dc1/node-0", "--at", "+1h", "--for", "30s", "--notice", "31d")]
    [InlineData("orion: --every must be longer than the duration (1h) and at most 365 days; got 30m", "maintenance", "dc1/node-0", "--at", "+1h", "--for", "1h", "--every", "30m")]
    [InlineData("orion: --reason must be 1 to 150 characters, not blank", "maintenance", "dc1/node-0", "--at", "now", "--for", "1h", "--reason", " ")]
    [InlineData("orion: --at must not be in the past; 2020-01-01 00:00Z is before ", "maintenance", "dc1/node-0", "--at", "2020-01-01T00:00", "--for", "1h")]

    // Exists but cannot be read (EIO at offset 0; tests may run as root, where a chmod 000 file still reads).
    [InlineData("orion: --file: cannot read /proc/self/mem: ", "submit", "--file", "/proc/self/mem")]
    public async Task Task_ids_that_break_the_rule_and_unreadable_spec_files_are_bad_input_in_one_line(string reason, params string[] args)
    {
        var run = await LiveSilo.RunCliAsync(["--gateway", "127.0.0.1:1", .. args]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith(reason, run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }
}
