using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A run that leaves its cards idle for its task's idle timeout, as its node's daemon measures them, is stopped and its
/// task ends Cancelled saying so; a run in use, or a task without one, runs on.
/// </summary>
public sealed class IdleTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_idle_run_is_stopped_at_its_idle_timeout_and_its_cards_go_back_while_a_busy_one_runs_on()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var idle = await pool.SubmitAsync(Specs.Service(computePercent: 40, name: "notebook", requestsPerSecond: 0) with { IdleTimeout = Timeout }, "notebook");
        await pool.SubmitAsync(Specs.Service(computePercent: 40, name: "serving", requestsPerSecond: 20, gpuMsPerRequest: 10) with { IdleTimeout = Timeout }, "serving");
        await pool.SubmitAsync(Specs.Service(computePercent: 10, name: "untimed", requestsPerSecond: 0), "untimed");
        foreach (var id in new[] { "notebook", "serving", "untimed" })
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // The daemons read their cards every 250 ms of the pool's clock; a minute and more in, nothing has ended yet.
        await AdvanceAsync(pool, TimeSpan.FromSeconds(90));
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("notebook"))!.State);

        await AdvanceAsync(pool, TimeSpan.FromSeconds(40));
        var ended = await StoppedAsync(pool, "notebook");
        Assert.Equal("stopped by the pool: its cards were idle for its idle timeout of 2m", ended.ExitReason);
        Assert.Equal((TaskState.Running, TaskState.Running), ((await pool.Client.GetAsync("serving"))!.State, (await pool.Client.GetAsync("untimed"))!.State));
        Assert.DoesNotContain("notebook", pool.Backend("n0").Running.Keys);
        await pool.AssertConsistentAsync(["notebook", "serving", "untimed"]);
        await pool.EventuallyAsync(async () =>
        {
            var stop = Assert.Single((await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100)).Where(e => e.Kind == PoolEventKinds.IdleStop));
            Assert.Equal(("notebook", "stopped: its cards idle for 2m (its idle timeout)"), (stop.TaskId, stop.Detail));
        });
        Assert.Equal(idle.TaskId, ended.TaskId);
    }

    [Fact]
    public async Task A_late_word_of_idleness_about_an_earlier_run_or_a_paused_one_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Service(computePercent: 40, name: "notebook", requestsPerSecond: 0) with { IdleTimeout = Timeout }, "notebook");
        var running = await pool.WaitForAsync("notebook", TaskState.Running);
        var task = pool.Grains.GetGrain<IVGpuTaskGrain>("notebook");

        await task.OnIdle(running.Generation - 1, Timeout);
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("notebook"))!.State);
        await pool.Client.PauseAsync("notebook", "profiling");
        await pool.WaitForAsync("notebook", TaskState.Suspended);
        await task.OnIdle(running.Generation, Timeout);
        Assert.Equal(TaskState.Suspended, (await pool.Client.GetAsync("notebook"))!.State);
    }

    [Fact]
    public async Task A_tenants_idle_timeout_binds_its_tasks_without_a_shorter_one_but_not_its_deployments_and_the_defaults_binds_the_rest()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)], settingsMaxAge: TimeSpan.Zero);
        await pool.Client.SetQuotaAsync("research", new TenantQuota(IdleTimeout: Timeout));
        await pool.Client.SetDefaultQuotaAsync(new TenantQuota(IdleTimeout: TimeSpan.FromMinutes(4)));
        Assert.Equal(Timeout, (await pool.Client.GetTenantAsync("research")).Quota!.IdleTimeout);
        var notebook = Specs.Service(computePercent: 20, name: "notebook", requestsPerSecond: 0);
        await pool.SubmitAsync(notebook with { Tenant = "research" }, "research-nb");
        await pool.SubmitAsync(notebook with { Tenant = "research", IdleTimeout = TimeSpan.FromHours(1) }, "research-long");
        await pool.SubmitAsync(notebook with { Tenant = "ads" }, "ads-nb");
        await pool.Client.DeployAsync("research-web", notebook with { Tenant = "research" }, 1);
        foreach (var id in new[] { "research-nb", "research-long", "ads-nb", "research-web.1" })
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // Past the tenant's two minutes: its tasks stop, whatever longer one they asked; its deployment's replica runs on.
        await AdvanceAsync(pool, TimeSpan.FromSeconds(130));
        foreach (var id in new[] { "research-nb", "research-long" })
        {
            Assert.Equal("stopped by the pool: its cards were idle for its tenant's idle timeout of 2m", (await StoppedAsync(pool, id)).ExitReason);
        }

        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("ads-nb"))!.State);

        // Past the default's four minutes: the tenant without its own stops too.
        await AdvanceAsync(pool, TimeSpan.FromSeconds(130));
        Assert.Equal("stopped by the pool: its cards were idle for its tenant's idle timeout of 4m", (await StoppedAsync(pool, "ads-nb")).ExitReason);
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("research-web.1"))!.State);
    }

    /// <summary>
    /// Waits for <paramref name="id"/> to end Cancelled, moving the clock on a little meanwhile: a loaded machine may let a
    /// step pass before the daemon's watch set its next reading, so the last reading may fall a step short of the timeout.
    /// </summary>
    private static Task<VGpuTaskStatus> StoppedAsync(TestPool pool, string id) =>
        pool.WhileAdvancing(pool.WaitForAsync(id, TaskState.Cancelled), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(250));

    private static async Task AdvanceAsync(TestPool pool, TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += TimeSpan.FromSeconds(5))
        {
            pool.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(10);
        }
    }
}
