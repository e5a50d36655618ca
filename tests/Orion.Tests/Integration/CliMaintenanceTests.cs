using System.Text.Json;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary><c>orion maintenance</c>, as its own process, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliMaintenanceTests(LiveSilo live)
{
    // The node whose only card is broken: a window on it holds up no other test's work.
    private const string Node = "dc1/node-3";

    [Fact]
    public async Task A_window_is_planned_listed_shown_with_its_node_refused_where_it_overlaps_and_cancelled()
    {
        try
        {
            var plan = await live.CliAsync("maintenance", Node, "--at", "+2d", "--for", "4h", "--reason", "bios update", "--drain", "--notice", "1h", "--every", "7d");
            Assert.True(plan.ExitCode == 0, plan.ToString());
            var window = Assert.Single((await live.Client.GetNodeAsync(Node))!.Maintenance);
            Assert.Equal((TimeSpan.FromHours(4), "bios update", true, TimeSpan.FromHours(1), TimeSpan.FromDays(7)), (window.Duration, window.Reason, window.Drain, window.Notice, window.Every));
            Assert.InRange(window.Start - DateTimeOffset.UtcNow, TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(2));
            Assert.Equal($"{Node}: maintenance planned at {window}", plan.Out.Trim());
            Assert.Contains(" for 4h, every 7d, drained, notice 1h: bios update", plan.Out);

            var list = await live.CliAsync("maintenance", Node);
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Matches($@"│ {MaintenanceWindow.Format(window.Start)}\s*│ {MaintenanceWindow.Format(window.End)}\s*│ 7d\s*│ yes\s*│ {MaintenanceWindow.Format(window.NoticeFrom)}\s*│ bios update\s*│", list.Out);
            var json = JsonDocument.Parse((await live.CliAsync("maintenance", Node, "--json")).Out).RootElement;
            Assert.Equal("bios update", Assert.Single(json.EnumerateArray()).GetProperty("reason").GetString());
            await ObservabilityTests.Eventually(async () =>
            {
                Assert.Contains($"(maintenance {MaintenanceWindow.Format(window.Start)})", Assert.Single((await live.CliAsync("nodes")).Out.Split('\n'), l => l.Contains(Node, StringComparison.Ordinal)));
                var startsIn = Assert.Single(PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics"))),
                    s => s.Name == "orion_node_maintenance_starts_in_seconds" && s.Labels.GetValueOrDefault("orion_node_id") == Node).Value;
                Assert.InRange(startsIn, TimeSpan.FromDays(2).TotalSeconds - 120, TimeSpan.FromDays(2).TotalSeconds);
            });

            // Several nodes at once: each is said, a refused one too, and the exit code tells; listing them shows each node's.
            var two = await live.CliAsync("maintenance", Node, "dc1/no-such-node", "--at", window.End.AddDays(1).ToString("O"), "--for", "30m", "--reason", "rack r3");
            Assert.True(two.ExitCode == 1, two.ToString());
            Assert.Matches($@"^{Node}: maintenance planned at \S+ \S+ for 30m: rack r3$", two.Out.Trim());
            Assert.Equal("orion: dc1/no-such-node: node: nodeId must be a node of the pool (dc/node); 'dc1/no-such-node' is not one", two.Error.Trim());
            var both = await live.CliAsync("maintenance", Node, "dc1/node-0");
            Assert.True(both.ExitCode == 0, both.ToString());
            Assert.Equal(2, both.Out.Split('\n').Count(l => l.Contains($"│ {Node} ", StringComparison.Ordinal)));
            Assert.DoesNotContain("dc1/node-0", both.Out);
            var all = await live.CliAsync("maintenance");
            Assert.True(all.ExitCode == 0, all.ToString());
            Assert.Equal(2, all.Out.Split('\n').Count(l => l.Contains($"│ {Node} ", StringComparison.Ordinal)));
            Assert.Contains("│ rack r3 ", all.Out);
            Assert.True((await live.CliAsync("maintenance", Node, "--cancel", window.End.AddDays(1).ToString("O"))).ExitCode == 0);

            // The node's own rule: another window in the way is the cluster's no, naming the flag.
            var overlap = await live.CliAsync("maintenance", Node, "--at", window.Start.AddHours(1).ToString("O"), "--for", "1h");
            Assert.True(overlap.ExitCode == 1, overlap.ToString());
            Assert.Equal($"orion: maintenance: --at must not overlap another window of the node; {MaintenanceWindow.Format(window.Start)} to {MaintenanceWindow.Format(window.End)} (bios update) overlaps it",
                overlap.Error.Trim());

            var cancel = await live.CliAsync("maintenance", Node, "--cancel", window.Start.ToString("O"));
            Assert.True(cancel.ExitCode == 0, cancel.ToString());
            Assert.Equal($"{Node}: maintenance at {MaintenanceWindow.Format(window.Start)} cancelled", cancel.Out.Trim());
            Assert.Equal("no maintenance planned", (await live.CliAsync("maintenance", Node)).Out.Trim());
            var again = await live.CliAsync("maintenance", Node, "--cancel", window.Start.ToString("O"));
            Assert.True(again.ExitCode == 1, again.ToString());
            Assert.StartsWith($"orion: maintenance: start must be the start of one of node {Node}'s maintenance windows (none); ", again.Error);

            // A window from now cordons the node at once.
            var now = await live.CliAsync("maintenance", Node, "--at", "now", "--for", "10m", "--reason", "reseat cables");
            Assert.True(now.ExitCode == 0, now.ToString());
            var cordoned = (await live.Client.GetNodeAsync(Node))!;
            Assert.Equal(Assert.Single(cordoned.Maintenance).CordonText, cordoned.CordonReason);
            Assert.StartsWith("maintenance until ", cordoned.CordonReason);
            await ObservabilityTests.Eventually(async () => Assert.Contains($"cordoned: {cordoned.CordonReason}", (await live.CliAsync("nodes")).Out));
        }
        finally
        {
            var left = (await live.Client.GetNodeAsync(Node))?.Maintenance;
            foreach (var w in left is { IsDefault: false } windows ? windows : [])
            {
                await live.Client.CancelMaintenanceAsync(Node, w.Start);
            }
        }

        Assert.Null((await live.Client.GetNodeAsync(Node))!.CordonReason);
        var unknown = await live.CliAsync("maintenance", "dc1/no-such-node", "--at", "+1h", "--for", "1h");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Equal("orion: node: nodeId must be a node of the pool (dc/node); 'dc1/no-such-node' is not one", unknown.Error.Trim());
    }
}
