using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>An ended task's record is kept for <c>Orion:Pool:EndedTaskRetention</c>, then forgotten: storage holds the recent past only.</summary>
public sealed class EndedTaskRetentionTests
{
    private static Task<TestPool> StartAsync(string retention, GrainCallFaults? faults = null, int catalogRetention = 100_000) => TestPool.StartAsync(
        [Node("n0", gpus: 1)],
        faults: faults,
        extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Pool:EndedTaskRetention"] = retention,
            ["Orion:Pool:CatalogRetention"] = catalogRetention.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static Task Tick(TestPool pool, string taskId) =>
        pool.Grains.GetGrain<IVGpuTaskGrain>(taskId).Cast<IRemindable>().ReceiveReminder("forget", default);

    [Fact]
    public async Task An_ended_task_is_forgotten_once_its_retention_has_passed_and_its_id_is_free_again()
    {
        await using var pool = await StartAsync("01:00:00");
        var spec = Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search");
        await pool.SubmitAsync(spec, "done");
        await pool.SubmitAsync(spec, "live");
        await pool.WaitForAsync("done", TaskState.Running);
        Assert.DoesNotContain("forget", await pool.RemindersOf("done"));
        await pool.Client.CancelAsync("done", "finished with it");
        await pool.EventuallyAsync(async () => Assert.Contains("forget", await pool.RemindersOf("done")));

        // Before its time, and for a live task, a tick changes nothing.
        pool.Advance(TimeSpan.FromMinutes(59));
        await Tick(pool, "done");
        await Tick(pool, "live");
        Assert.Equal(TaskState.Cancelled, (await pool.Client.GetAsync("done"))!.State);
        Assert.NotNull(await pool.Client.GetAsync("live"));
        Assert.DoesNotContain("forget", await pool.RemindersOf("live"));

        pool.Advance(TimeSpan.FromMinutes(1));
        await Tick(pool, "done");
        Assert.Null(await pool.Client.GetAsync("done"));
        Assert.Empty(await pool.RemindersOf("done"));
        await pool.EventuallyAsync(async () =>
            Assert.Equal(["live"], (await pool.Client.ListAsync(new TaskQuery(Tenant: "search"))).Select(t => t.TaskId)));

        // The id is free: a task submitted under it is a new one, and the live task ran on throughout.
        var again = await pool.SubmitAsync(spec, "done");
        Assert.False(again.State.IsTerminal());
        Assert.Equal((0, null, null), (again.Runs, again.EndedAt, again.ExitReason));
        await pool.WaitForAsync("done", TaskState.Running);
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("live"))!.State);
        await pool.AssertConsistentAsync(["done", "live"]);
    }

    [Fact]
    public async Task A_retention_of_zero_keeps_every_ended_task()
    {
        await using var pool = await StartAsync("00:00:00");
        await pool.SubmitAsync(Specs.Batch(tenant: "search"), "kept");
        await pool.Client.CancelAsync("kept", "done");
        pool.Advance(TimeSpan.FromDays(400));
        await Tick(pool, "kept");
        Assert.Equal(TaskState.Cancelled, (await pool.Client.GetAsync("kept"))!.State);
        Assert.DoesNotContain("forget", await pool.RemindersOf("kept"));
    }

    [Fact]
    public async Task Usage_its_tenants_meter_has_not_yet_heard_keeps_the_task_until_told()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync("01:00:00", faults);
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search"), "ran");
        await pool.WaitForAsync("ran", TaskState.Running);
        faults.Fail("ITenantMeterGrain.Meter");
        pool.Advance(TimeSpan.FromHours(2));
        await pool.Client.CancelAsync("ran", "done");
        pool.Advance(TimeSpan.FromHours(2));
        await Tick(pool, "ran");
        Assert.NotNull(await pool.Client.GetAsync("ran"));

        faults.Heal("ITenantMeterGrain.Meter");
        await pool.Grains.GetGrain<IVGpuTaskGrain>("ran").Cast<IRemindable>().ReceiveReminder("queue", default);
        await Tick(pool, "ran");
        Assert.Null(await pool.Client.GetAsync("ran"));
        var usage = Assert.Single(await pool.Client.GetConsumptionAsync(new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30), "search"));
        Assert.Equal(1.0, usage.CardHours, 6);
    }

    [Fact]
    public async Task The_catalogue_lists_a_task_submitted_anew_under_a_forgotten_id_as_its_older_entries_are_let_go()
    {
        await using var pool = await StartAsync("01:00:00", catalogRetention: 1);
        var spec = Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search");
        await pool.SubmitAsync(spec, "x");
        await pool.Client.CancelAsync("x", "done");
        pool.Advance(TimeSpan.FromHours(1));
        await Tick(pool, "x");
        await pool.SubmitAsync(spec, "x");

        // Two more end: the catalogue keeps one ended task, and lets go of the oldest ids it saw end, x's among them.
        foreach (var id in new[] { "y", "z" })
        {
            await pool.SubmitAsync(spec, id);
            await pool.Client.CancelAsync(id, "done");
        }

        await pool.EventuallyAsync(async () =>
            Assert.Equal(["x", "z"], (await pool.Client.ListAsync(new TaskQuery(Tenant: "search"))).Select(t => t.TaskId).Order(StringComparer.Ordinal)));
    }
}
