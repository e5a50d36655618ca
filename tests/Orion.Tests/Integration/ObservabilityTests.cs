using System.Net;
using System.Text.Json;
using Orion.Client.Monitoring;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>/metrics, /api and / on the real silo process, checked against the pool read straight from the grains.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class ObservabilityTests(LiveSilo live)
{
    private const long MiB = 1024 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_metrics_scrape_has_the_orion_instruments_with_the_values_of_the_pool()
    {
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 10_240, items: 1, gpuMsPerItem: 10_000_000, tenant: "metrics"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], cts.Token);
        var card = running.Placement!.GpuIds[0];
        try
        {
            await Eventually(async () =>
            {
                var truth = await live.Client.GetPoolAsync();
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                double Gauge(string name, CardSummary c) => Assert.Single(samples, s => s.Name == name && s.Labels.GetValueOrDefault("orion_gpu_id") == c.GpuId).Value;

                Assert.Equal(6, truth.Cards.Count());
                foreach (var c in truth.Cards)
                {
                    Assert.Equal(c.ComputeCapacityMilli, Gauge("orion_gpu_compute_capacity", c));
                    Assert.Equal(c.ComputeAllocatedMilli, Gauge("orion_gpu_compute_allocated", c));
                    Assert.Equal(c.ComputeInUseMilli, Gauge("orion_gpu_compute_in_use", c));
                    Assert.Equal(c.MemoryAllocatedMiB * MiB, Gauge("orion_gpu_memory_allocated_bytes", c));
                    Assert.Equal(c.ResidentMiB * MiB, Gauge("orion_gpu_memory_resident_bytes", c));
                    Assert.Equal(c.HostMiB * MiB, Gauge("orion_gpu_memory_host_bytes", c));
                    Assert.Equal(c.MemoryMiB * MiB, Gauge("orion_gpu_memory_capacity_bytes", c));
                    Assert.Equal(c.MeasuredBusyPercent!.Value / 100, Gauge("orion_gpu_busy", c), 6);
                    Assert.Equal(c.GpuId == "dc1/node-3/0" ? (1.0, (string?)LiveSilo.BrokenCard) : (0.0, null), (Gauge("orion_gpu_faulted", c), c.Fault));
                    Assert.Equal(c.MeasuredMemoryMiB!.Value * MiB, Gauge("orion_gpu_memory_used_bytes", c));
                }

                var mine = truth.Cards.Single(c => c.GpuId == card);
                Assert.Contains(mine.Slices, s => s.TaskId == task.TaskId && s.ComputeMilli == 500 && s.MemoryMiB == 10_240);
                Assert.True(Gauge("orion_gpu_compute_in_use", mine) >= 500);

                // What the daemon measured at its last heartbeat: the simulated card runs the half-card batch and holds its memory.
                Assert.InRange(mine.MeasuredBusyPercent!.Value, 50, 100);
                Assert.True(mine.MeasuredMemoryMiB >= 10_240, $"{mine.MeasuredMemoryMiB} MiB measured in use");
                Assert.Equal(truth.TasksByState["Running"], Assert.Single(samples, s => s.Name == "orion_tasks" && s.Labels["orion_task_state"] == "Running").Value);
                Assert.Equal(truth.Queue.Length, Assert.Single(samples, s => s.Name == "orion_queue_depth").Value);
                var room = Assert.Single(FreeRoom.Of(truth.Nodes));
                Assert.True(room.ScatteredComputeMilli > 0, "the half-card batch leaves its card's other half scattered");
                Assert.Equal(room.ScatteredShare, Assert.Single(samples, s => s.Name == "orion_room_scattered" && s.Labels["orion_data_center"] == "dc1").Value, 6);
                Assert.Equal(room.EmptyCards, Assert.Single(samples, s => s.Name == "orion_room_empty_cards" && s.Labels["orion_data_center"] == "dc1").Value);
                Assert.True(samples.Where(s => s.Name == "orion_placements_total").Sum(s => s.Value) >= 1);
                Assert.Contains(samples, s => s.Name == "orion_placement_duration_seconds_count" && s.Value >= 1);
            });
        }
        finally
        {
            await live.Client.CancelAsync(task.TaskId);
        }

        // Freed capacity shows in the next scrape.
        await Eventually(async () =>
        {
            var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
            var truth = (await live.Client.GetPoolAsync()).Cards.Single(c => c.GpuId == card);
            Assert.DoesNotContain(truth.Slices, s => s.TaskId == task.TaskId);
            Assert.Equal(truth.ComputeAllocatedMilli, Assert.Single(samples, s => s.Name == "orion_gpu_compute_allocated" && s.Labels["orion_gpu_id"] == card).Value);
        });
    }

    [Fact]
    public async Task The_api_serves_cards_nodes_tasks_and_events_with_filters_and_the_page_replaces_the_redirect()
    {
        var tenant = "api-" + Guid.NewGuid().ToString("N")[..6];
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant) with
        {
            Labels = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("project", "llm").Add("sweep", "lr-7"),
        });
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var running = await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], cts.Token);
            var nodeName = running.Placement!.NodeId.Split('/')[1];

            await Eventually(async () =>
            {
                var tasks = await Get<List<TaskSummary>>($"/api/tasks?tenant={tenant}");
                Assert.Equal(task.TaskId, Assert.Single(tasks).TaskId);
                Assert.Equal("Running", tasks[0].State);
                Assert.Equal("lr-7", tasks[0].Labels!["sweep"]);
                Assert.Single(await Get<List<TaskSummary>>($"/api/tasks?tenant={tenant}&label=project=llm&label=sweep=lr-7"));
                Assert.Empty(await Get<List<TaskSummary>>($"/api/tasks?tenant={tenant}&label=project=llm&label=sweep=lr-8"));
                var cards = await Get<List<CardSummary>>($"/api/cards?node={nodeName}&tenant={tenant}");
                Assert.Equal(2, cards.Count);
                Assert.All(cards, c => Assert.Equal(running.Placement.NodeId, c.NodeId));
                Assert.Equal(task.TaskId, Assert.Single(cards.SelectMany(c => c.Slices)).TaskId);
            });

            Assert.Equal(["dc1/node-0", "dc1/node-1", "dc1/node-2", "dc1/node-3"], (await Get<List<NodeSummary>>("/api/nodes")).Select(n => n.NodeId));
            Assert.All(await Get<List<NodeSummary>>("/api/nodes"), n => Assert.Equal(("simulated", "model", "127.0.0.1"), (n.Backend, n.SliceEnforcement, n.Address)));
            Assert.Empty(await Get<List<NodeSummary>>("/api/nodes?dc=elsewhere"));
            var events = await Get<List<PoolEvent>>("/api/events");
            Assert.Contains(events, e => e.Kind == PoolEventKinds.Placement && e.TaskId == task.TaskId && e.Where == running.Placement.NodeId);
            var one = await Get<TaskSummary>($"/api/tasks/{task.TaskId}");
            Assert.Equal((task.TaskId, null), (one.TaskId, one.Waiting));

            // Its log, from its node's daemon: all of it, then from an offset on.
            var log = await Get<TaskLogChunk>($"/api/tasks/{task.TaskId}/log");
            Assert.Contains($"started: a batch of", log.Text);
            Assert.Equal((0L, log.Size), (log.Offset, log.Next));
            Assert.Equal(log.Text[10..20], (await Get<TaskLogChunk>($"/api/tasks/{task.TaskId}/log?offset=10&max=10")).Text);
            Assert.Equal(HttpStatusCode.NotFound, (await live.Http.GetAsync(live.Url("/api/tasks/no-such-task/log"))).StatusCode);

            // A task no node can ever take (more cards than any node has) is read with why it waits.
            var waits = await live.Client.SubmitAsync(Specs.Training(8) with { Tenant = tenant });
            Assert.Equal("0 of 4 nodes take it now: fewer than 8 cards (3), tainted dedicated=ci, which it does not tolerate (1)",
                (await Get<TaskSummary>($"/api/tasks/{waits.TaskId}")).Waiting);
            await live.Client.CancelAsync(waits.TaskId);
            Assert.Equal(HttpStatusCode.NotFound, (await live.Http.GetAsync(live.Url("/api/tasks/no-such-task"))).StatusCode);

            var page = await live.Http.GetAsync(live.Url("/"));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<title>Orion pool</title>", await page.Content.ReadAsStringAsync());
            Assert.Contains("EventSource", await live.Http.GetStringAsync(live.Url("/pool.js")));
            Assert.Equal(HttpStatusCode.OK, (await live.Http.GetAsync(live.Url("/dashboard/"))).StatusCode);
        }
        finally
        {
            await live.Client.CancelAsync(task.TaskId);
        }
    }

    [Fact]
    public async Task A_tenant_whose_name_holds_slashes_is_addressed_by_its_whole_name()
    {
        await live.Client.SetQuotaAsync("ml/search/a", new TenantQuota(Tasks: 7));
        try
        {
            using var doc = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/tenants/ml/search/a")));
            Assert.Equal(("ml/search/a", 7), (doc.RootElement.GetProperty("tenant").GetString(), doc.RootElement.GetProperty("quota").GetProperty("tasks").GetInt32()));
        }
        finally
        {
            await live.Client.SetQuotaAsync("ml/search/a", null);
        }
    }

    [Theory]
    [InlineData("/api/tasks?state=runing", "state", "must be one of Pending, Placing, Running, Completed, Failed, Cancelled, Suspended, Scheduled, Blocked")]
    [InlineData("/api/nodes?dc=DC1", "dc", DataCenterName.Rule)]
    [InlineData("/api/stream?dc=dc1%2Fx", "dc", DataCenterName.Rule)]
    [InlineData("/api/tasks/job%201", "id", TaskIdFormat.Rule)]
    [InlineData("/api/events?limit=0", "limit", "must be from 1 to 500")]
    [InlineData("/api/events?after=-3", "after", "must be 0 or more (an event's sequence number)")]
    [InlineData("/api/tasks/t-1/log?max=0", "max", "must be from 1 to 1048576 (bytes of the log)")]
    [InlineData("/api/tenants/%20", "tenant", TenantName.Rule)]
    [InlineData("/api/tasks?label=project", "label", "label: 'project' is not key=value")]
    [InlineData("/api/tasks/t-1/log?generation=0", "generation", "must be 1 or more (a run of the task)")]
    [InlineData("/api/usage?from=2026-13-01", "from", "must be a day, YYYY-MM-DD")]
    [InlineData("/api/usage?from=2026-12-02&to=2026-12-01", "to", "must not be before from")]
    [InlineData("/api/usage?from=2025-01-01&to=2026-12-01", "from", "must be at most 366 days before to")]
    [InlineData("/api/usage?tenant=%20", "tenant", TenantName.Rule)]
    [InlineData("/api/usage?byLabel=-project", "byLabel", "a label's key " + NodeLabels.KeyRule)]
    [InlineData("/api/usage.csv?byLabel=project&byDataCenter=true", "byDataCenter", "usage splits one way at a time: give byLabel or byDataCenter, not both")]
    public async Task A_query_value_that_breaks_its_rule_is_a_400_naming_it_and_the_rule(string path, string field, string rule)
    {
        var response = await live.Http.GetAsync(live.Url(path));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
        Assert.Equal([rule], errors.GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Usage_lists_what_a_tenants_ended_and_running_tasks_held()
    {
        var tenant = "usage-" + Guid.NewGuid().ToString("N")[..6];
        var ended = await live.Client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await live.Client.WaitForStateAsync(ended.TaskId, [TaskState.Running], cts.Token);
        await live.Client.CancelAsync(ended.TaskId);
        var running = await live.Client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant));
        await live.Client.WaitForStateAsync(running.TaskId, [TaskState.Running], cts.Token);
        try
        {
            var usage = Assert.Single(await Get<TenantConsumption[]>($"/api/usage?tenant={tenant}"));
            Assert.Equal((tenant, 1, 1), (usage.Tenant, usage.Runs, usage.RunningNow));
            Assert.True(usage.CardHours > 0 && usage.GpuMemoryGiBHours > 0, $"{usage.CardHours} card-hours, {usage.GpuMemoryGiBHours} GiB-hours");
            Assert.Equal(usage.To.AddDays(-29), usage.From);
            Assert.Contains(await Get<TenantConsumption[]>("/api/usage"), u => u.Tenant == tenant);

            // The ended run was counted on the meter's instruments too, by tenant.
            await Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                var counted = samples.Where(m => m.Labels.GetValueOrDefault("orion_task_tenant") == tenant).ToDictionary(m => m.Name, m => m.Value);
                Assert.True(counted.GetValueOrDefault("orion_tenant_usage_compute_total") > 0, string.Join(", ", counted));
                Assert.True(counted.GetValueOrDefault("orion_tenant_usage_memory_total") > 0, string.Join(", ", counted));
            });
        }
        finally
        {
            await live.Client.CancelAsync(running.TaskId);
        }
    }

    private async Task<T> Get<T>(string path) => JsonSerializer.Deserialize<T>(await live.Http.GetStringAsync(live.Url(path)), Json)!;

    internal static async Task Eventually(Func<Task> assertion)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
