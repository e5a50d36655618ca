using Orion.Contracts;
using Orion.Grains.Deployments;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Metrics;

/// <summary>
/// A deployment that scales on a metric its replicas serve, read by their node daemons from a real HTTP page on the
/// loopback (every simulated replica of a test shares the one page, so each reads what it serves), on a fake clock.
/// </summary>
public sealed class DeploymentMetricScaleTests
{
    private static readonly TimeSpan Interval = new Orion.Grains.PoolOptions().DeploymentCheckInterval;

    private static TaskSpec Replica() => Specs.Service(computePercent: 20, gpuMemoryMiB: 1024, name: "chat", requestsPerSecond: 0) with { Tenant = "shop" };

    private static AutoscaleSpec OnQueue(MetricsPage page, int max = 4) => new(1, max, Metric: new ScaleMetric("vllm:num_requests_waiting{model_name=\"llama\"}", 5, page.Port));

    /// <summary>One look of the deployment at the clock's time now, its result read once it ran.</summary>
    private static async Task<DeploymentStatus> Look(TestPool pool)
    {
        DeploymentStatus? seen = null;
        await pool.EventuallyAsync(async () =>
        {
            await pool.Grains.GetGrain<IDeploymentGrain>("chat").OnCheckTick();
            seen = (await pool.Client.GetDeploymentAsync("chat"))!;
            Assert.Equal(pool.Clock.GetUtcNow(), seen.CheckedAt);
        });
        return seen!;
    }

    /// <summary>Moves the clock on one interval and looks, until the deployment is as asked (at most 200 looks).</summary>
    private static async Task<DeploymentStatus> StepUntil(TestPool pool, Func<DeploymentStatus, bool> condition)
    {
        DeploymentStatus seen = await Look(pool);
        for (var step = 0; !condition(seen); step++)
        {
            Assert.True(step < 200, $"{seen.Replicas} asked, {seen.Ready} ready, metric {seen.MetricValue} ({seen.MetricUnread}): {string.Join(", ", seen.Tasks)}");
            pool.Advance(Interval);
            await Task.Delay(10);
            seen = await Look(pool);
        }

        return seen;
    }

    [Fact]
    public async Task Replicas_follow_the_metric_up_at_once_and_down_after_the_window()
    {
        await using var page = new MetricsPage(MetricsPage.Vllm(waiting: 0));
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var created = await pool.Client.DeployAsync("chat", Replica(), 1, OnQueue(page));
        Assert.Equal(page.Port, created.Autoscale!.Metric!.Port);
        var one = await StepUntil(pool, d => d.Ready == 1 && d.MetricValue is not null);
        Assert.Equal((0.0, null, 1), (one.MetricValue, one.MetricUnread, one.Replicas));

        // 12 waiting each at a target of 5: more replicas, at most doubling per look, up to the bound.
        page.Text = MetricsPage.Vllm(waiting: 12);
        var up = await StepUntil(pool, d => d.Replicas == 4 && d.Ready == 4);
        Assert.Equal(12.0, up.MetricValue);
        var scaled = (await pool.Client.GetEventsAsync(max: 500)).Where(e => e.Kind == PoolEventKinds.Autoscale && e.TaskId == "chat").Select(e => e.Detail).ToList();
        Assert.Equal("chat scaled from 1 to 2 replicas: vllm:num_requests_waiting{model_name=\"llama\"} 12 per replica, target 5 per replica", scaled[0]);
        Assert.EndsWith(" to 4 replicas: vllm:num_requests_waiting{model_name=\"llama\"} 12 per replica, target 5 per replica", scaled[^1]);
        Assert.All(page.Reads, p => Assert.Equal("/metrics", p));

        // Within a tenth of the target: four stay.
        page.Text = MetricsPage.Vllm(waiting: 5.4);
        var steady = await StepUntil(pool, d => d.MetricValue == 5.4);
        for (var i = 0; i < 3; i++)
        {
            pool.Advance(Interval);
            steady = await Look(pool);
        }

        Assert.Equal((4, 5.4), (steady.Replicas, steady.MetricValue));

        // Idle: the count asked for falls to one only after a whole window of asking for fewer.
        page.Text = MetricsPage.Vllm(waiting: 0);
        var idleFrom = pool.Clock.GetUtcNow();
        var down = await StepUntil(pool, d => d.Replicas == 1);
        Assert.True(pool.Clock.GetUtcNow() - idleFrom >= ReplicaAutoscaler.ScaleDownWindow, $"scaled down after {pool.Clock.GetUtcNow() - idleFrom}");
        Assert.Equal(0, down.MetricValue);
        await pool.AssertConsistentAsync(["chat.1", "chat.2", "chat.3", "chat.4"]);
    }

    [Fact]
    public async Task A_page_that_cannot_be_read_holds_the_count_and_says_why()
    {
        await using var page = new MetricsPage(MetricsPage.Vllm(waiting: 5));
        await using var ready = new Probes.ProbeTarget(up: true);
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.DeployAsync("chat", Replica() with { Readiness = ready.Probe }, 2, OnQueue(page));
        await StepUntil(pool, d => d.Ready == 2 && d.MetricValue == 5 && d.MetricUnread is null);

        // Paused by hand: its server answers nothing, so its daemon reads nothing of it; the other is read.
        await pool.Client.PauseAsync("chat.1");
        var paused = await StepUntil(pool, d => d.MetricUnread is not null);
        Assert.Equal(("chat.1: paused", 5.0, 2), (paused.MetricUnread, paused.MetricValue, paused.Replicas));
        await pool.Client.ResumeAsync("chat.1");
        await StepUntil(pool, d => d.MetricUnread is null);

        // Not ready (its probe fails): not read either.
        ready.Up = false;
        var unready = await StepUntil(pool, d => d.MetricUnread is not null);
        Assert.Equal("chat.1: not ready", unready.MetricUnread);
        ready.Up = true;
        await StepUntil(pool, d => d.MetricUnread is null);

        page.Text = null;
        var unread = await StepUntil(pool, d => d.MetricUnread is not null);
        Assert.Matches($@"^chat\.[12]: GET :{page.Port}/metrics answered 404$", unread.MetricUnread);
        // Past a whole scale-down window of looks that read nothing: had they counted as idle, one replica would go.
        for (var i = 0; i < 12; i++)
        {
            pool.Advance(TimeSpan.FromSeconds(30));
            await Look(pool);
        }

        var held = await Look(pool);
        Assert.Equal((2, 5.0), (held.Replicas, held.MetricValue));
        Assert.NotNull(held.MetricUnread);

        // Another series on the page, not the one asked for.
        page.Text = MetricsPage.Vllm(waiting: 5).Replace("model_name=\"llama\"", "model_name=\"mistral\"", StringComparison.Ordinal);
        var other = await StepUntil(pool, d => d.MetricUnread?.Contains("no sample", StringComparison.Ordinal) == true);
        Assert.EndsWith($"GET :{page.Port}/metrics has no sample of vllm:num_requests_waiting with those labels", other.MetricUnread);
    }

    [Fact]
    public async Task A_rate_is_the_counters_increase_per_second_of_the_pool_clock_between_looks()
    {
        await using var page = new MetricsPage();
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var start = pool.Clock.GetUtcNow();
        var perSecond = 10.0;
        var total = 0.0;
        var last = start;
        page.Source = () =>
        {
            lock (page)
            {
                var now = pool.Clock.GetUtcNow();
                total += perSecond * (now - last).TotalSeconds;
                last = now;
                return MetricsPage.Vllm(waiting: 0, succeeded: total);
            }
        };

        // Of any class: a metric is read of batch replicas as well as online ones.
        var batch = Specs.Batch(items: 1_000_000_000, gpuMsPerItem: 1) with { Tenant = "shop" };
        await pool.Client.DeployAsync("chat", batch, 1,
            new AutoscaleSpec(1, 3, Metric: new ScaleMetric("rate(vllm:request_success_total)", 10, page.Port)));
        // The fake clock jumps while a look is under way now and then (its page read a moment later than its time), so
        // one look may be off: waited for, not taken from the first look.
        var read = await StepUntil(pool, d => d.Ready == 1 && d.MetricValue == 10);
        Assert.Equal((null, 1), (read.MetricUnread, read.Replicas));

        // Twice the requests per second: twice the replicas.
        lock (page)
        {
            perSecond = 20;
        }

        var two = await StepUntil(pool, d => d.Replicas == 2);
        Assert.Contains(await pool.Client.GetEventsAsync(max: 500), e => e.Kind == PoolEventKinds.Autoscale && e.TaskId == "chat"
            && e.Detail == "chat scaled from 1 to 2 replicas: rate(vllm:request_success_total) 20 per replica, target 10 per replica");
    }
}
