using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class BatchPlacementTests
{
    [Fact]
    public async Task A_burst_placed_in_rounds_keeps_every_card_equal_to_its_tasks_slices_and_the_rest_queued()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)], policy: "best-fit");

        // 40 quarter cards at once: 32 fit on the 8 cards, 8 wait.
        var ids = Enumerable.Range(0, 40).Select(i => $"burst-{i:D2}").ToList();
        await Task.WhenAll(ids.Select(id => pool.SubmitAsync(Specs.Batch(computePercent: 25, gpuMemoryMiB: 1024, items: 1_000_000), id)));

        await pool.EventuallyAsync(async () =>
        {
            var states = await Task.WhenAll(ids.Select(pool.StateOf));
            Assert.Equal(32, states.Count(s => s == TaskState.Running));
            Assert.Equal(8, states.Count(s => s == TaskState.Pending));
        });
        await pool.AssertConsistentAsync(ids);
        foreach (var node in pool.Nodes)
        {
            Assert.All((await pool.NodeSnapshot(node.Name)).Gpus, g => Assert.Equal(1000, g.ComputeAllocatedMilli));
        }

        var scheduler = await pool.SchedulerSnapshot();
        Assert.Equal(32, scheduler.Placements);
        Assert.Equal(8, scheduler.Queue.Length);
        Assert.InRange(scheduler.Rounds, 1, ids.Count);

        // A round's placements reach the feed together, one event each.
        await pool.EventuallyAsync(async () =>
        {
            var feed = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 500);
            Assert.Equal(32, feed.Count(e => e.Kind == PoolEventKinds.Placement && e.TaskId.StartsWith("burst-", StringComparison.Ordinal)));
        });

        // Capacity that frees goes to the queue: cancel two cards' worth and the waiting tasks take their place.
        var running = (await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id)))).Where(s => s!.State == TaskState.Running).Take(8).ToList();
        await Task.WhenAll(running.Select(s => pool.Client.CancelAsync(s!.TaskId)));
        await pool.EventuallyAsync(async () =>
        {
            var states = await Task.WhenAll(ids.Select(pool.StateOf));
            Assert.Equal(32, states.Count(s => s == TaskState.Running));
            Assert.Equal(0, states.Count(s => s == TaskState.Pending));
        });
        await pool.AssertConsistentAsync(ids);
    }

    [Fact]
    public async Task A_scheduler_that_loses_its_activation_while_a_burst_is_placed_leaves_every_task_placed_once_or_queued()
    {
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)], policy: "best-fit", gate: gate);
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1"));

        // 40 quarter cards (32 fit) in two bursts; each time the scheduler's activation goes away under its rounds.
        var ids = Enumerable.Range(0, 40).Select(i => $"moved-{i:D2}").ToList();
        var (submitted, runningBefore) = (new List<string>(), 0);
        foreach (var burst in ids.Chunk(20))
        {
            submitted.AddRange(burst);
            // A round's reservations are held at the nodes while the activation is told to go, so it goes mid-burst.
            var held = gate.Close("INodeGrain.Reserve");
            var submits = burst.Select(id => pool.SubmitAsync(Specs.Batch(computePercent: 25, gpuMemoryMiB: 1024, items: 1_000_000), id)).ToList();
            await held.WaitAsync(TimeSpan.FromSeconds(15));
            await scheduler.Cast<IGrainManagementExtension>().DeactivateOnIdle().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Contains(submits, s => !s.IsCompleted);
            gate.Open("INodeGrain.Reserve");
            await Task.WhenAll(submits);

            // A new activation placed the rest: it counts only its own placements, fewer than the burst's tasks that run.
            var running = 0;
            await pool.EventuallyAsync(async () =>
            {
                running = (await Task.WhenAll(submitted.Select(pool.StateOf))).Count(s => s == TaskState.Running);
                Assert.Equal(Math.Min(32, runningBefore + burst.Length), running);
            });
            Assert.InRange((await scheduler.GetSnapshot()).Placements, 0, running - runningBefore - 1);
            runningBefore = running;
        }

        // The new activation recovers the queue from the catalogue; nothing is lost or placed twice.
        await pool.EventuallyAsync(async () =>
        {
            var states = await Task.WhenAll(ids.Select(pool.StateOf));
            Assert.Equal(32, states.Count(s => s == TaskState.Running));
            Assert.Equal(8, states.Count(s => s == TaskState.Pending));
            Assert.Equal(8, (await pool.SchedulerSnapshot()).Queue.Length);
        });
        await pool.AssertConsistentAsync(ids);
        foreach (var node in pool.Nodes)
        {
            Assert.All((await pool.NodeSnapshot(node.Name)).Gpus, g => Assert.Equal(1000, g.ComputeAllocatedMilli));
        }

    }

    [Fact]
    public async Task A_refused_reservation_in_a_round_queues_that_task_again_and_the_others_are_placed()
    {
        // Best fit prefers the one-card node, whose card is taken behind the scheduler's back: its index is stale.
        await using var pool = await StartAsync([Node("small", gpus: 1), Node("big", gpus: 2)], policy: "best-fit");
        var intruder = await pool.Grains.GetGrain<INodeGrain>("dc1/small")
            .Reserve(new ReservationRequest("intruder", 1, ["dc1/small/0"], 1000, 0, false, 0, 0));
        Assert.True(intruder.Accepted);

        var ids = new[] { "whole-a", "whole-b", "whole-c" };
        await Task.WhenAll(ids.Select(id => pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1_000_000), id)));

        await pool.EventuallyAsync(async () =>
        {
            var states = await Task.WhenAll(ids.Select(pool.StateOf));
            Assert.Equal(2, states.Count(s => s == TaskState.Running));
            Assert.Equal(1, states.Count(s => s == TaskState.Pending));
        });
        var scheduler = await pool.SchedulerSnapshot();
        Assert.True(scheduler.Refusals >= 1);
        Assert.Equal(2, scheduler.Placements);
        var waiting = Assert.Single(scheduler.Queue);
        Assert.Equal(["intruder"], Assert.Single((await pool.NodeSnapshot("small")).Gpus).Slices.Select(s => s.TaskId).ToArray());

        // The intruder leaves: the queued task takes its card.
        await pool.Grains.GetGrain<INodeGrain>("dc1/small").Release("intruder", 1);
        var placed = await pool.WaitForAsync(waiting, TaskState.Running);
        Assert.Equal("dc1/small", placed.Placement!.NodeId);
        await pool.AssertConsistentAsync(ids);
    }

    [Fact]
    public async Task A_burst_of_tasks_that_fail_rather_than_wait_fails_only_those_that_fit_nowhere()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var failFast = PlacementConstraints.None with { FailIfUnplaceable = true };
        var ids = Enumerable.Range(0, 5).Select(i => $"ff-{i}").ToList();
        var submitted = await Task.WhenAll(ids.Select(id => pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1_000_000) with { Constraints = failFast }, id)));

        // The scheduler's answer to the queuing call fails them, so the submit itself returns them failed.
        Assert.Equal(3, submitted.Count(s => s.State == TaskState.Failed));
        Assert.All(submitted.Where(s => s.State == TaskState.Failed), s => Assert.Contains("no node can take it", s.ExitReason));

        await pool.EventuallyAsync(async () =>
        {
            var states = await Task.WhenAll(ids.Select(pool.StateOf));
            Assert.Equal(2, states.Count(s => s == TaskState.Running));
            Assert.Equal(3, states.Count(s => s == TaskState.Failed));
        });
        Assert.Empty((await pool.SchedulerSnapshot()).Queue);
        await pool.AssertConsistentAsync(ids);
    }

    [Fact]
    public async Task SubmitMany_submits_a_job_array_together_or_nothing_when_one_spec_breaks_a_rule()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var array = Enumerable.Range(0, 8).Select(i => new Orion.Client.TaskSubmission(Specs.Batch(computePercent: 25, gpuMemoryMiB: 1024, items: 1_000_000), $"array-{i}")).ToList();

        var broken = array.Select((t, i) => i == 5 ? t with { Spec = t.Spec with { Name = "" } } : t).ToList();
        var error = await Assert.ThrowsAsync<Orion.Client.SpecValidationException>(() => pool.Client.SubmitManyAsync(broken));
        Assert.Equal("tasks[5].name", Assert.Single(error.Errors).Field);
        Assert.All(await Task.WhenAll(array.Select(t => pool.Client.GetAsync(t.TaskId!))), Assert.Null);

        var submitted = await pool.Client.SubmitManyAsync(array);
        Assert.Equal(array.Select(t => t.TaskId), submitted.Select(s => s.TaskId));
        foreach (var t in array)
        {
            await pool.WaitForAsync(t.TaskId!, TaskState.Running);
        }

        await pool.AssertConsistentAsync(array.Select(t => t.TaskId!));
    }
}
