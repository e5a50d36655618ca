using Microsoft.Extensions.Logging.Abstractions;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// Data centres no node reports to (a task named them): their schedulers let go of everything once their tasks are
/// gone, and a task that waits there is still placed when a node of that data centre registers.
/// </summary>
public sealed class UnknownDataCenterTests
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromMilliseconds(100);

    private static TaskSpec WholeCard(string? pin = null, string? prefer = null, bool failIfUnplaceable = false) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 3_600_000) with
        {
            Constraints = PlacementConstraints.None with { DataCenter = pin, PreferredDataCenter = prefer, FailIfUnplaceable = failIfUnplaceable },
        };

    private static async Task<string[]> Listed(TestPool pool) =>
        [.. (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetDataCenters()).Select(d => d.DataCenter)];

    private static async Task<DataCenterSummary?> ListedAs(TestPool pool, string dataCenter) =>
        (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetDataCenters()).SingleOrDefault(d => d.DataCenter == dataCenter);

    [Fact]
    public async Task Schedulers_of_made_up_data_centres_let_go_once_their_tasks_are_gone_and_the_pool_lists_them_no_more()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], idleSchedulerCheck: IdleCheck);

        // Tasks that asked to fail rather than wait fail at once; one that waits is cancelled.
        string[] madeUp = [.. Enumerable.Range(0, 8).Select(i => $"nowhere-{i}")];
        foreach (var name in madeUp)
        {
            Assert.Equal(TaskState.Failed, (await pool.SubmitAsync(WholeCard(pin: name, failIfUnplaceable: true), name)).State);
        }

        await pool.SubmitAsync(WholeCard(pin: "elsewhere"), "waits");
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await ListedAs(pool, "elsewhere"))?.Queued));
        await pool.Client.CancelAsync("waits", "no such data centre");

        // Each of their schedulers lets go of its activation; the one of the data centre with a node stays.
        await pool.EventuallyAsync(async () =>
        {
            foreach (var name in madeUp.Append("elsewhere"))
            {
                Assert.False(await pool.SchedulerIsActive(name), $"{name}'s scheduler is still active");
            }
        });
        Assert.True(await pool.SchedulerIsActive("dc1"));

        // The directory lists only the data centre with a node, so the pool-wide views do not bring the others back.
        Assert.Equal(["dc1"], await Listed(pool));
        Assert.Equal(["dc1"], (await pool.SchedulerSnapshot()).DataCenters.Select(d => d.DataCenter).ToArray());
        Assert.False(await pool.SchedulerIsActive("elsewhere"));
        Assert.False(await pool.SchedulerIsActive(madeUp[0]));
    }

    [Fact]
    public async Task A_task_waiting_where_no_node_reports_keeps_its_scheduler_and_is_placed_when_a_node_of_that_data_centre_registers_after_the_scheduler_went()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], idleSchedulerCheck: IdleCheck);

        // The data centre was named before, and its scheduler let go once that task was gone.
        await pool.SubmitAsync(WholeCard(pin: "new-dc"), "earlier");
        await pool.Client.CancelAsync("earlier");
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("new-dc")));
        Assert.DoesNotContain("new-dc", await Listed(pool));

        // A task for it waits Pending, as a pod waits for a node that can take it, and the pool lists it queued there.
        var waiting = await pool.SubmitAsync(WholeCard(pin: "new-dc"), "waiting");
        Assert.Equal((TaskState.Pending, "new-dc"), (waiting.State, waiting.QueuedIn));
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await ListedAs(pool, "new-dc"))?.Queued));

        // Its scheduler keeps the task: one activated after it, holding nothing, has let go meanwhile (its checks came later).
        Assert.Equal(TaskState.Failed, (await pool.SubmitAsync(WholeCard(pin: "control", failIfUnplaceable: true), "control")).State);
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("control")));
        Assert.True(await pool.SchedulerIsActive("new-dc"));

        // Its activation is lost all the same (as with its silo): nothing is active for the data centre now...
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("new-dc"));
        await scheduler.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("new-dc")));
        Assert.Equal(TaskState.Pending, await pool.StateOf("waiting"));

        // ...when a node of it registers: its account brings the scheduler back, which finds the task in the catalogue and places it.
        var options = new NodeDaemonOptions { NodeName = "n9", DataCenter = "new-dc", CpuMilli = 64_000, MemoryMiB = 262_144 };
        var backend = new SimulatedGpuBackend(options.NodeId, [GpuModelCatalog.Get("A100-80GB")], pool.Clock);
        await using var daemon = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance, pool.Clock);
        await daemon.StartAsync(CancellationToken.None);
        var placed = await pool.WaitForAsync("waiting", TaskState.Running);
        Assert.Equal(("new-dc/n9", "new-dc"), (placed.Placement!.NodeId, placed.QueuedIn));
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(["waiting"], backend.Running.Keys.ToArray());
            return Task.CompletedTask;
        });

        // A data centre with a node is listed and keeps its scheduler, its queue empty or not.
        await pool.EventuallyAsync(async () => Assert.Equal((1, 0), ((await ListedAs(pool, "new-dc"))?.Nodes, (await ListedAs(pool, "new-dc"))?.Queued)));
        Assert.Equal(["dc1", "new-dc"], (await pool.SchedulerSnapshot()).DataCenters.Select(d => d.DataCenter).ToArray());
        Assert.Equal(TaskState.Failed, (await pool.SubmitAsync(WholeCard(pin: "control-2", failIfUnplaceable: true), "control-2")).State);
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("control-2")));
        Assert.True(await pool.SchedulerIsActive("new-dc"));
    }

    [Fact]
    public async Task A_scheduler_of_a_made_up_preferred_data_centre_lets_go_once_its_waiting_task_spilled_over()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], idleSchedulerCheck: IdleCheck);
        await pool.SubmitAsync(WholeCard(), "busy");
        await pool.WaitForAsync("busy", TaskState.Running);

        // Preferring a data centre no node reports to, with dc1 full: it waits there, listed as a task that may run anywhere.
        await pool.SubmitAsync(WholeCard(prefer: "mars"), "spillable");
        Assert.Equal(TaskState.Pending, await pool.StateOf("spillable"));
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await ListedAs(pool, "mars"))?.Spillable));

        // dc1 frees its card: mars offers it the task, and with nothing left lets go of its activation and its listing.
        await pool.Client.CancelAsync("busy", "make room");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("spillable", TaskState.Running)).Placement!.NodeId);
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("mars")));
        Assert.Equal(["dc1"], await Listed(pool));
    }
}
