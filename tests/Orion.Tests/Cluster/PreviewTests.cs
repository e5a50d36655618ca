using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Dry runs (<see cref="OrionClient.PreviewAsync"/>): what a submit would do now, changing nothing.</summary>
public sealed class PreviewTests
{
    [Fact]
    public async Task A_dry_run_names_the_node_and_card_a_submit_would_take_or_why_none_would_and_submits_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 80, items: 1, gpuMsPerItem: 1e9), "big");
        await pool.WaitForAsync("big", TaskState.Running);

        var fits = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192));
        Assert.Equal(AdmitOutcome.Admitted, fits.Quota.Outcome);
        var on = Assert.IsType<PlacementPreview>(fits.RunsOn);
        Assert.Equal(("dc1", "dc1/n0", 0), (on.DataCenter, on.NodeId, on.Queued));
        var free = Assert.Single(on.GpuIds);
        Assert.NotEqual((await pool.Client.GetAsync("big"))!.Placement!.GpuIds[0], free);

        // The second card taken: a whole card fits nowhere, and the dry run says why, as a waiting task would hear it.
        await pool.SubmitAsync(Specs.Batch(computePercent: 80, items: 1, gpuMsPerItem: 1e9), "big-2");
        await pool.WaitForAsync("big-2", TaskState.Running);
        var none = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192));
        Assert.Null(none.RunsOn);
        var dc = Assert.Single(none.DataCenters);
        Assert.Null(dc.NodeId);
        Assert.StartsWith("0 of 1 node takes it now:", dc.Explanation);

        Assert.Equal(2, (await pool.Client.ListAsync()).Count);
        Assert.Equal(2, (await pool.NodeSnapshot("n0")).Gpus.Sum(g => g.Slices.Length));
    }

    [Fact]
    public async Task A_dry_run_gives_the_quotas_answer_without_charging_or_joining_its_line()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(GpuPercent: 100, Tasks: 1));
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1, gpuMsPerItem: 1e9), "first");

        var waits = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 10));
        Assert.Equal(AdmitOutcome.Waiting, waits.Quota.Outcome);
        Assert.Contains("would pass its quota of 1 live tasks", Assert.Single(waits.Quota.Errors).ToString());
        Assert.Null(waits.RunsOn);
        Assert.NotNull(waits.DataCenters.Single().NodeId);

        var never = await pool.Client.PreviewAsync(Specs.Training(2));
        Assert.Equal(AdmitOutcome.Refused, (await pool.Client.PreviewAsync(Specs.Training(2) with { Tenant = "team-a" })).Quota.Outcome);
        Assert.Equal(AdmitOutcome.Admitted, never.Quota.Outcome);

        var usage = await pool.Client.GetTenantAsync("team-a");
        Assert.Equal((1, 0), (usage.Tasks, usage.Waiting));
    }

    [Fact]
    public async Task A_dry_run_of_a_job_array_says_how_many_of_it_its_quota_admits_now()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(GpuPercent: 200, Tasks: 20));
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1, gpuMsPerItem: 1e9), "first");

        // 150% left under the quota: three slices of 50% of the ten asked; the cards could take all ten.
        var array = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024), count: 10);
        Assert.Equal((AdmitOutcome.Waiting, 3), (array.Quota.Outcome, array.Quota.Admits));
        Assert.Contains("would pass its quota of gpuPercent 200", Assert.Single(array.Quota.Errors).ToString());
        Assert.Equal(7, array.DataCenters.Single().Fits);
        Assert.Null(array.RunsOn);

        var fits = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024), count: 3);
        Assert.Equal((AdmitOutcome.Admitted, 3), (fits.Quota.Outcome, fits.Quota.Admits));
        Assert.NotNull(fits.RunsOn);
        Assert.Null((await pool.Client.PreviewAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024))).Quota.Admits);
    }

    [Fact]
    public async Task A_dry_run_of_a_step_names_what_it_would_wait_for_and_what_would_refuse_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1, gpuMsPerItem: 1e9), "prep");
        var step = await pool.Client.PreviewAsync(Specs.Batch(computePercent: 10) with { After = ["prep", "nope"] });
        Assert.Equal(["prep"], step.Awaiting);
        Assert.Equal("after no task 'nope' (a task runs after tasks already submitted)", Assert.Single(step.Refusals).ToString());
        Assert.Null(step.RunsOn);
    }

    [Fact]
    public async Task Data_centres_are_asked_in_the_order_a_submit_tries_them()
    {
        await using var pool = await StartAsync([Node("a0", gpus: 1, dc: "dc1"), Node("b0", gpus: 1, dc: "dc2")]);
        var preferred = await pool.Client.PreviewAsync(Specs.Batch() with { Constraints = PlacementConstraints.None with { PreferredDataCenter = "dc2" } });
        Assert.Equal(["dc2", "dc1"], preferred.DataCenters.Select(d => d.DataCenter));
        Assert.Equal("dc2/b0", preferred.RunsOn!.NodeId);
        var pinned = await pool.Client.PreviewAsync(Specs.Batch() with { Constraints = PlacementConstraints.None with { DataCenter = "dc1" } });
        Assert.Equal("dc1/a0", Assert.Single(pinned.DataCenters).NodeId);
        await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.PreviewAsync(Specs.Batch(computePercent: 150)));
    }

    [Fact]
    public async Task A_dry_run_of_a_job_array_places_each_task_as_if_the_ones_before_had_been_and_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var half = Specs.Batch(computePercent: 50, gpuMemoryMiB: 4096);

        // Four cards at two halves each: eight fit, the ninth and tenth would wait, and the view is as it was after.
        var array = await pool.Client.PreviewAsync(half, count: 10);
        var dc = Assert.Single(array.DataCenters);
        Assert.Equal((10, 8), (array.Count, dc.Fits));
        Assert.Equal([4, 4], dc.Members.GroupBy(n => n).Select(g => g.Count()).Order());
        Assert.Null(array.RunsOn);
        Assert.StartsWith("0 of 2 nodes take it now:", dc.Explanation);
        Assert.NotNull((await pool.Client.PreviewAsync(half, count: 8)).RunsOn);
        Assert.Equal(8, (await pool.Client.PreviewAsync(half, count: 10)).DataCenters[0].Fits);
        Assert.All((await pool.NodeSnapshot("n0")).Gpus, g => Assert.Empty(g.Slices));
        Assert.Empty(await pool.Client.ListAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.Client.PreviewAsync(half, count: 0));
    }

    [Fact]
    public async Task A_dry_run_of_a_gang_member_previews_the_whole_gang_all_or_none()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var fits = await pool.Client.PreviewAsync(Specs.Training(2) with { Gang = new GangSpec("pair", 2) });
        Assert.Equal((2, 2), (fits.Count, fits.DataCenters[0].Fits));
        Assert.Equal(["dc1/n0", "dc1/n1"], fits.DataCenters[0].Members.Order());
        Assert.NotNull(fits.RunsOn);

        // Three workers of two cards each on four cards: none of them, not two.
        var none = await pool.Client.PreviewAsync(Specs.Training(2) with { Gang = new GangSpec("trio", 3) });
        Assert.Equal((3, 0), (none.Count, none.DataCenters[0].Fits));
        Assert.Null(none.RunsOn);
        Assert.Null(none.DataCenters[0].NodeId);
    }
}
