using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>Silos and a daemon as real processes that find each other through a real redis-server and keep task state there.</summary>
[Collection(FailureProcessesCollection.Name)]
public sealed class RedisClusterTests
{
    [Fact]
    public async Task Two_silos_and_a_daemon_form_a_pool_through_redis_and_task_state_outlives_a_killed_silo()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var pool = await TwoSilos.StartAsync(redis, "redis-test");
        var (first, second, client) = (pool.First, pool.Second, pool.Client);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await client.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 50), $"redis-{i}")).TaskId);
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var id in ids)
        {
            Assert.Equal("dc1/r0", (await client.WaitForStateAsync(id, [TaskState.Completed], patience.Token)).Placement!.NodeId);
        }

        // Kill outright the silo that hosts most of the task grains: they come back on the other from Redis, nothing lost.
        var hosted = await WithManagement(redis.ConnectionString, "redis-test", TimeSpan.FromSeconds(30), async management =>
            (await management.GetDetailedGrainStatistics())
                .Where(g => ids.Contains(g.GrainId.Key.ToString()))
                .GroupBy(g => g.SiloAddress.Endpoint.Port)
                .ToDictionary(g => g.Key, g => g.Count()));
        var victim = new[] { first, second }.MaxBy(s => hosted.GetValueOrDefault(s.SiloPort))!;
        Assert.True(hosted.GetValueOrDefault(victim.SiloPort) > 0, "no task grain was on either silo");
        await victim.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        foreach (var id in ids)
        {
            while (true)
            {
                try
                {
                    var status = await client.GetAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
                    Assert.Equal(TaskState.Completed, status!.State);
                    break;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    // Until membership declares the silo dead, calls to its grains time out.
                    await Task.Delay(500);
                }
            }
        }

        // Each run was metered once, and the tenant's meter (maybe on the killed silo) answers from Redis.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        while (true)
        {
            try
            {
                var used = Assert.Single(await client.GetConsumptionAsync(today.AddDays(-1), today, "team-a").WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal((6, 0), (used.Runs, used.RunningNow));
                Assert.True(used.CardHours > 0, $"{used.CardHours} card-hours");
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    [Fact]
    public async Task A_silo_stopped_with_sigterm_leaves_with_no_error_logged_and_the_other_serves_its_work_on()
    {
        // A rolling restart's step: the silo hands its grains over and leaves the cluster, errors in its log a false alarm.
        await using var redis = await RedisServer.StartAsync();
        await using var pool = await TwoSilos.StartAsync(redis, "redis-stop");
        var (first, client) = (pool.First, pool.Client);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await client.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 1e9), $"stop-{i}")).TaskId);
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var id in ids)
        {
            await client.WaitForStateAsync(id, [TaskState.Running], patience.Token);
        }

        await using (var kill = ChildProcess.Run("kill", ["-s", "TERM", first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await first.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.False(first.Output.Contains("fail:", StringComparison.Ordinal), first.Output);
        Assert.Equal(0, first.ExitCode);

        // The other silo serves on: the tasks run on (their grains back from Redis where they were on the first), and new work runs.
        foreach (var id in ids)
        {
            Assert.Equal((TaskState.Running, 1L), await Retried(async () => (await client.GetAsync(id))! is var s ? (s.State, s.Generation) : default));
        }

        var next = await Retried(() => client.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 50), "after-stop"));
        Assert.Equal(TaskState.Completed, (await client.WaitForStateAsync(next.TaskId, [TaskState.Completed], patience.Token)).State);
    }

    // A call that may meet the cluster while it settles after a silo left: tried again for up to 60 s.
    private static async Task<T> Retried<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await call().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    [Fact]
    public async Task A_deployment_outlives_the_killed_silo_that_hosted_it_and_goes_on_replacing_replicas()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var pool = await TwoSilos.StartAsync(redis, "redis-deploy", "--Orion:Pool:DeploymentCheckInterval=00:00:01");
        var (first, second, client) = (pool.First, pool.Second, pool.Client);
        await client.DeployAsync("redis-web", Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 100_000_000, name: "redis-web"), 2);
        await Until(client, d => d.Ready == 2, TimeSpan.FromSeconds(60));

        // Kill outright the silo that hosts the deployment's grain: it comes back on the other from Redis and goes on.
        var hosts = await WithManagement(redis.ConnectionString, "redis-deploy", TimeSpan.FromSeconds(30), async management =>
            (await management.GetDetailedGrainStatistics())
                .Where(g => g.GrainId.Key.ToString() == "redis-web" && g.GrainType.Contains("Deployment", StringComparison.Ordinal))
                .Select(g => g.SiloAddress.Endpoint.Port)
                .ToList());
        var victim = new[] { first, second }.Single(s => s.SiloPort == Assert.Single(hosts));
        await victim.DisposeAsync();

        var back = await Until(client, d => d.Ready == 2, TimeSpan.FromSeconds(90));
        Assert.Equal(["redis-web.1", "redis-web.2"], back.Tasks.Select(t => t.TaskId));
        await client.CancelAsync("redis-web.1").WaitAsync(TimeSpan.FromSeconds(30));
        // Replaced under a new serial: .3, or a later one when .3 ended too (seen once, in a full run on this 2-core
        // machine; why it ended was not recorded then).
        var replaced = await Until(client, d => d.Ready == 2 && d.Tasks.All(t => t.TaskId != "redis-web.1"), TimeSpan.FromSeconds(60));
        Assert.Equal("redis-web.2", replaced.Tasks[0].TaskId);
        Assert.True(long.Parse(replaced.Tasks[1].TaskId["redis-web.".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 3, replaced.Tasks[1].TaskId);
    }

    /// <summary>The deployment once <paramref name="condition"/> holds; calls to a killed silo's grains time out until membership declares it dead.</summary>
    private static async Task<DeploymentStatus> Until(OrionClient client, Func<DeploymentStatus, bool> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                var status = await client.GetDeploymentAsync("redis-web").WaitAsync(TimeSpan.FromSeconds(10));
                Assert.NotNull(status);
                Assert.True(condition(status), $"{status.Ready} ready: {string.Join(", ", status.Tasks)}");
                return status;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    [Fact]
    public async Task Three_silos_in_two_data_centres_host_each_nodes_grains_in_its_own_data_centre()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] Common(string dc) => [$"--Orion:Redis:ConnectionString={redis.ConnectionString}", "--Orion:Silo:ClusterId=dc-test", "--Orion:Embedded:Enabled=false", $"--Orion:Silo:DataCenter={dc}"];
        await using var east1 = SiloProcess.Start(Common("east"));
        await using var east2 = SiloProcess.Start(Common("east"));
        await using var west = SiloProcess.Start(Common("west"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // A node grain goes to its data centre's silos only once they are members; wait for all three first.
        await WaitForActiveSilos(redis.ConnectionString, "dc-test", 3, TimeSpan.FromSeconds(90));
        await using var eastNode = DaemonProcess.Start("--redis", redis.ConnectionString, "--cluster-id", "dc-test", "--node", "e0", "--dc", "east", "--gpus", "1xA100-80GB");
        await using var westNode = DaemonProcess.Start("--redis", redis.ConnectionString, "--cluster-id", "dc-test", "--node", "w0", "--dc", "west", "--gpus", "1xA100-80GB");
        foreach (var silo in new[] { east1, east2, west })
        {
            await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        }

        var options = new OrionClientOptions { RedisConnectionString = redis.ConnectionString, ClusterId = "dc-test", WatchPollInterval = TimeSpan.FromSeconds(1) };
        await using var client = await OrionClient.ConnectAsync(options);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        NodeSnapshot? eastSnapshot = null, westSnapshot = null;
        while ((eastSnapshot is null || westSnapshot is null) && DateTime.UtcNow < deadline)
        {
            try
            {
                eastSnapshot = await client.GetNodeAsync("east/e0").WaitAsync(TimeSpan.FromSeconds(5));
                westSnapshot = await client.GetNodeAsync("west/w0").WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // Three silos are still agreeing on membership: a call may land before its target is ready.
            }

            await Task.Delay(200);
        }

        // A silo's identity names its port: the node grains live on their own data centre's silos.
        Assert.Contains($":{west.SiloPort}:", westSnapshot!.Silo);
        Assert.True(eastSnapshot!.Silo.Contains($":{east1.SiloPort}:") || eastSnapshot.Silo.Contains($":{east2.SiloPort}:"), eastSnapshot.Silo);

        var task = await client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10) with
        {
            Constraints = PlacementConstraints.None with { DataCenter = "west" },
        });
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.Equal("west/w0", (await client.WaitForStateAsync(task.TaskId, [TaskState.Completed], patience.Token)).Placement!.NodeId);

        // Each data centre's scheduler lives on that data centre's silos too.
        var schedulers = (await client.GetSchedulersAsync()).DataCenters;
        Assert.Contains($":{west.SiloPort}:", schedulers.Single(d => d.DataCenter == "west").Silo);
        var east = schedulers.Single(d => d.DataCenter == "east").Silo;
        Assert.True(east.Contains($":{east1.SiloPort}:") || east.Contains($":{east2.SiloPort}:"), east);
        Assert.Equal(1L, schedulers.Single(d => d.DataCenter == "west").Placements);
    }

    [Fact]
    public async Task A_node_and_its_scheduler_that_activated_in_another_data_centre_move_to_theirs_when_it_joins()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] Common(string dc) =>
        [
            $"--Orion:Redis:ConnectionString={redis.ConnectionString}", "--Orion:Silo:ClusterId=move-test", "--Orion:Embedded:Enabled=false",
            $"--Orion:Silo:DataCenter={dc}", "--Orion:Pool:ResidenceCheckInterval=00:00:01",
        ];
        await using var east = SiloProcess.Start(Common("east"));
        await WaitForActiveSilos(redis.ConnectionString, "move-test", 1, TimeSpan.FromSeconds(90));

        // Only east is up: west's node, its card and west's scheduler have nowhere else to go.
        await using var westNode = DaemonProcess.Start("--redis", redis.ConnectionString, "--cluster-id", "move-test", "--node", "w0", "--dc", "west", "--gpus", "1xA100-80GB", "--register-every-seconds", "1");
        var options = new OrionClientOptions { RedisConnectionString = redis.ConnectionString, ClusterId = "move-test", WatchPollInterval = TimeSpan.FromSeconds(1) };
        await using var client = await OrionClient.ConnectAsync(options);
        var node = await Eventually(async () => Assert.IsType<NodeSnapshot>(await client.GetNodeAsync("west/w0")), TimeSpan.FromSeconds(60));
        Assert.Contains($":{east.SiloPort}:", node.Silo);
        var task = await client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 600_000) with
        {
            Constraints = PlacementConstraints.None with { DataCenter = "west" },
        });
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await client.WaitForStateAsync(task.TaskId, [TaskState.Running], patience.Token);
        }

        Assert.Contains($":{east.SiloPort}:", (await client.GetSchedulersAsync()).DataCenters.Single(d => d.DataCenter == "west").Silo);

        // West's silo joins: the node (with what it holds) and the scheduler move there.
        await using var west = SiloProcess.Start(Common("west"));
        var moved = await Eventually(async () =>
        {
            var n = Assert.IsType<NodeSnapshot>(await client.GetNodeAsync("west/w0").WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Contains($":{west.SiloPort}:", n.Silo);

            // What it holds is there once the node and its card both moved (a card that lost it gets it back at the next heartbeat).
            Assert.Equal([task.TaskId], n.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).ToArray());
            return n;
        }, TimeSpan.FromSeconds(90));
        Assert.True(moved.Schedulable);
        await Eventually(async () =>
        {
            var scheduler = (await client.GetSchedulersAsync().WaitAsync(TimeSpan.FromSeconds(5))).DataCenters.Single(d => d.DataCenter == "west");
            Assert.Contains($":{west.SiloPort}:", scheduler.Silo);
            return scheduler;
        }, TimeSpan.FromSeconds(60));

        // The moved node still runs and frees its task.
        Assert.Equal(TaskState.Cancelled, (await client.CancelAsync(task.TaskId, "done"))!.State);
        await Eventually(async () =>
        {
            Assert.All((await client.GetNodeAsync("west/w0"))!.Gpus, g => Assert.Empty(g.Slices));
            return true;
        }, TimeSpan.FromSeconds(30));
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> read, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // Silos are still agreeing on membership, or the grain has not moved yet.
                await Task.Delay(250);
            }
        }
    }

    private static Task WaitForActiveSilos(string redis, string clusterId, int count, TimeSpan patience) =>
        WithManagement(redis, clusterId, patience, async management =>
        {
            var deadline = DateTime.UtcNow + patience;
            while ((await management.GetHosts(onlyActive: true)).Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} silos became active");
                await Task.Delay(200);
            }

            return true;
        });

    /// <summary>Asks the cluster's management grain through a client of its own (the SDK's client does not expose it).</summary>
    private static async Task<T> WithManagement<T>(string redis, string clusterId, TimeSpan patience, Func<IManagementGrain, Task<T>> ask)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.UseRedisClustering(redis);
            c.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "orion";
            });
        });
        using var host = builder.Build();
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                await host.StartAsync();
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // No gateway is up yet.
                await Task.Delay(500);
            }
        }

        var answer = await ask(host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0));
        await host.StopAsync();
        return answer;
    }

    /// <summary>Two silo processes without cards of their own and a daemon process of two cards, through one redis-server, and a client of them.</summary>
    private sealed class TwoSilos(SiloProcess first, SiloProcess second, ChildProcess daemon, OrionClient client) : IAsyncDisposable
    {
        public SiloProcess First => first;

        public SiloProcess Second => second;

        public OrionClient Client => client;

        public static async Task<TwoSilos> StartAsync(RedisServer redis, string clusterId, params string[] settings)
        {
            string[] common = [$"--Orion:Redis:ConnectionString={redis.ConnectionString}", $"--Orion:Silo:ClusterId={clusterId}", "--Orion:Embedded:Enabled=false", .. settings];
            var first = SiloProcess.Start(common);
            var second = SiloProcess.Start(common);
            var daemon = DaemonProcess.Start("--redis", redis.ConnectionString, "--cluster-id", clusterId, "--node", "r0", "--gpus", "2xA100-80GB");
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                await first.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
                await second.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
                var client = await OrionClient.ConnectAsync(new OrionClientOptions { RedisConnectionString = redis.ConnectionString, ClusterId = clusterId, WatchPollInterval = TimeSpan.FromSeconds(1) });
                return new TwoSilos(first, second, daemon, client);
            }
            catch
            {
                // The processes must not outlive a start that failed.
                await daemon.DisposeAsync();
                await second.DisposeAsync();
                await first.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await daemon.DisposeAsync();
            await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }
}
