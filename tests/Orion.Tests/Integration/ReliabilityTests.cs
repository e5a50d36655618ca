using System.Collections.Concurrent;
using System.Diagnostics;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>
/// Failures of real processes on a Redis-backed pool: a silo killed under a stream of submissions, a daemon
/// killed with tasks on it, and redis-server itself restarted (append-only file on). Prints the figures that
/// docs/reliability.md reports: recovery seconds, tasks lost, tasks placed twice.
/// </summary>
[Collection(FailureProcessesCollection.Name)]
public sealed class ReliabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Nothing_is_lost_or_placed_twice_when_a_silo_a_daemon_and_redis_fail()
    {
        var redis = await RedisServer.StartAsync(appendOnly: true);
        try
        {
            string[] silo = [$"--Orion:Redis:ConnectionString={redis.ConnectionString}", "--Orion:Silo:ClusterId=rel", "--Orion:Embedded:Enabled=false", "--Orion:Pool:DaemonLease=00:00:03", "--Orion:Pool:LeaseCheckInterval=00:00:00.500"];
            await using var a = SiloProcess.Start(silo);
            await using var b = SiloProcess.Start(silo);
            string[] Daemon(string name) => ["--redis", redis.ConnectionString, "--cluster-id", "rel", "--node", name, "--gpus", "2xA100-80GB", "--register-every-seconds", "1"];
            await using var d0 = DaemonProcess.Start(Daemon("d0"));
            await using var d1 = DaemonProcess.Start(Daemon("d1"));
            processes = [("silo a", () => a.Output), ("silo b", () => b.Output), ("daemon d0", () => d0.Output), ("daemon d1", () => d1.Output)];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await a.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
            await b.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
            var options = new OrionClientOptions { RedisConnectionString = redis.ConnectionString, ClusterId = "rel", WatchPollInterval = TimeSpan.FromSeconds(1) };
            await using var client = await OrionClient.ConnectAsync(options);

            // Healthy needs one node; the test needs both before anything fails.
            await Retry(async () =>
            {
                foreach (var node in new[] { "dc1/d0", "dc1/d1" })
                {
                    Assert.True((await client.GetNodeAsync(node))?.Schedulable == true, $"{node} not registered");
                }

                return true;
            }, TimeSpan.FromSeconds(60));
            using var watch = new CancellationTokenSource();
            var doubles = new ConcurrentDictionary<string, string>();
            var watcher = WatchForDoublePlacements(client, ["dc1/d0", "dc1/d1"], doubles, watch.Token);
            var ids = new List<string>();
            var restartable = Specs.Batch(computePercent: 50, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 400) with { Restart = RestartPolicy.OnFailure(3) };

            // 1. A silo killed under a stream of submissions.
            var stopwatch = Stopwatch.StartNew();
            TimeSpan? killedAt = null, backAt = null;
            for (var i = 0; i < 30; i++)
            {
                if (i == 10)
                {
                    await a.DisposeAsync();
                    killedAt = stopwatch.Elapsed;
                    Mark("silo a killed");
                }

                var id = $"stream-{i}";
                await Retry(() => client.SubmitAsync(restartable, id), TimeSpan.FromSeconds(90));
                backAt ??= killedAt is not null ? stopwatch.Elapsed : null;
                ids.Add(id);
            }

            await AllCompleted(client, ids, TimeSpan.FromSeconds(240));
            Mark("the stream completed");
            var siloRecovery = (backAt - killedAt)!.Value;
            var streamDone = stopwatch.Elapsed - killedAt!.Value;

            // A silo's death is not a daemon's: no daemon whose gateway it was may miss its lease, which would restart the tasks it runs.
            var restarted = new List<string>();
            foreach (var id in ids)
            {
                if ((await client.GetAsync(id))!.Restarts > 0)
                {
                    restarted.Add(id);
                }
            }

            Assert.True(restarted.Count == 0, $"restarted after the silo was killed, though no daemon died: {string.Join(", ", restarted)}");

            // 2. A daemon killed with tasks on it: they restart on the other node once its lease runs out.
            var longer = restartable with { Workload = WorkloadSpec.Batch(1, 3000), Resources = ResourceRequest.Slice(100, 2048) };
            var batch = Enumerable.Range(0, 4).Select(i => $"daemon-{i}").ToList();
            foreach (var id in batch)
            {
                await client.SubmitAsync(longer, id);
            }

            foreach (var id in batch)
            {
                await client.WaitForStateAsync(id, [TaskState.Running, TaskState.Completed], new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            }

            // The daemon killed is the one holding most of them (the policy may pack all four on either node).
            var placed = new Dictionary<string, string>();
            foreach (var id in batch)
            {
                if ((await client.GetAsync(id))!.Placement?.NodeId is { } nodeId)
                {
                    placed[id] = nodeId;
                }
            }

            var victim = placed.Values.GroupBy(n => n).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            var survivor = victim == "dc1/d0" ? "dc1/d1" : "dc1/d0";
            var onVictim = placed.Where(p => p.Value == victim).Select(p => p.Key).ToList();
            Mark($"killing {victim}'s daemon, which runs {string.Join(", ", onVictim)}; {survivor} runs {string.Join(", ", placed.Where(p => p.Value == survivor).Select(p => p.Key))}");
            Assert.NotEmpty(onVictim);
            var daemonKilled = stopwatch.Elapsed;
            await (victim == "dc1/d0" ? d0 : d1).DisposeAsync();
            await Retry(async () =>
            {
                foreach (var id in onVictim)
                {
                    var s = (await client.GetAsync(id))!;
                    Assert.True(s.Placement?.NodeId == survivor || s.State == TaskState.Completed && s.Restarts > 0, $"{id} {s.State} on {s.Placement?.NodeId}");
                }

                return true;
            }, TimeSpan.FromSeconds(60));
            var daemonFailover = stopwatch.Elapsed - daemonKilled;
            ids.AddRange(batch);
            await AllCompleted(client, ids, TimeSpan.FromSeconds(120));

            // The dead daemon comes back: its node rejoins the pool holding nothing (its old tasks ran elsewhere).
            await using var again = DaemonProcess.Start(Daemon(victim["dc1/".Length..]));
            var rejoined = await Retry(async () =>
            {
                var node = (await client.GetNodeAsync(victim))!;
                Assert.True(node.Schedulable);
                return node;
            }, TimeSpan.FromSeconds(60));
            Assert.All(rejoined.Gpus, g => Assert.Empty(g.Slices));

            // 3. redis-server killed and restarted on its append-only file.
            Mark("killing redis-server");
            var redisKilled = stopwatch.Elapsed;
            redis = await redis.RestartAsync();
            await Retry(() => client.SubmitAsync(restartable, "after-redis"), TimeSpan.FromSeconds(90));
            var redisRecovery = stopwatch.Elapsed - redisKilled;
            ids.Add("after-redis");
            await AllCompleted(client, ids, TimeSpan.FromSeconds(120));

            watch.Cancel();
            var scans = await watcher;
            var lost = 0;
            foreach (var id in ids)
            {
                lost += (await client.GetAsync(id))?.State == TaskState.Completed ? 0 : 1;
            }

            output.WriteLine($"silo killed under a stream of {30} submissions: submissions resumed after {siloRecovery.TotalSeconds:F1} s, all completed {streamDone.TotalSeconds:F1} s after the kill");
            output.WriteLine($"daemon killed with {onVictim.Count} tasks on it: all restarted elsewhere after {daemonFailover.TotalSeconds:F1} s (lease 3 s)");
            output.WriteLine($"redis-server killed and restarted (AOF): submissions resumed after {redisRecovery.TotalSeconds:F1} s");
            output.WriteLine($"tasks: {ids.Count} submitted, {lost} lost, {doubles.Count} placed twice at once ({scans} scans read both nodes with slices on them)");
            Assert.Equal(0, lost);
            Assert.Empty(doubles);

            // The watch really looked: "none placed twice" counts only if it read both nodes, holding tasks, many times.
            Assert.True(scans >= 20, $"only {scans} scans read both nodes with slices on them");
        }
        catch (Exception)
        {
            // What the processes said says why a step stalled (CI keeps only the test's output): their warnings and errors, and
            // Orion's own account, oldest first, without the retry noise of calls to a dead silo.
            foreach (var (name, read) in processes)
            {
                var lines = read().Split('\n');
                var kept = new List<string>();
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].TrimEnd();
                    var said = line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal)
                        || line.StartsWith("crit:", StringComparison.Ordinal) || line.StartsWith("info: Orion.", StringComparison.Ordinal);
                    if (said && !line.Contains("Polly", StringComparison.Ordinal) && !line.Contains("HealthCheck", StringComparison.Ordinal))
                    {
                        kept.Add($"{line} {(i + 1 < lines.Length ? lines[i + 1].Trim() : "")}");
                    }
                }

                output.WriteLine($"--- {name}: its last {Math.Min(kept.Count, 120)} of {kept.Count} warnings, errors and Orion lines, oldest first");
                foreach (var line in kept.TakeLast(120))
                {
                    output.WriteLine(line.Length > 400 ? line[..400] : line);
                }
            }

            throw;
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    /// <summary>A step of the test with the wall-clock time, printed among the test's output.</summary>
    private void Mark(string what) => output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} test: {what}");

    // The processes of the running test, for what they said when it fails.
    private (string Name, Func<string> Read)[] processes = [];

    /// <summary>Scans the nodes until stopped; returns how many scans read every node and saw at least one slice.</summary>
    private static async Task<int> WatchForDoublePlacements(OrionClient client, string[] nodes, ConcurrentDictionary<string, string> doubles, CancellationToken stop)
    {
        var scans = 0;
        while (!stop.IsCancellationRequested)
        {
            var where = new Dictionary<string, string>();
            var read = 0;
            foreach (var node in nodes)
            {
                try
                {
                    var snapshot = await client.GetNodeAsync(node).WaitAsync(TimeSpan.FromSeconds(2));
                    read += snapshot is null ? 0 : 1;
                    foreach (var slice in snapshot?.Gpus.SelectMany(g => g.Slices) ?? [])
                    {
                        if (where.TryGetValue(slice.TaskId, out var other) && other != node)
                        {
                            doubles[slice.TaskId] = $"{other} and {node}";
                        }

                        where[slice.TaskId] = node;
                    }
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // A node grain moving to another silo does not answer for a moment.
                }
            }

            scans += read == nodes.Length && where.Count > 0 ? 1 : 0;

            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return scans;
    }

    private async Task AllCompleted(OrionClient client, IEnumerable<string> ids, TimeSpan patience)
    {
        using var cts = new CancellationTokenSource(patience);
        try
        {
            foreach (var id in ids)
            {
                await Retry(() => client.WaitForStateAsync(id, [TaskState.Completed], cts.Token), patience);
            }
        }
        catch (Exception)
        {
            foreach (var id in ids)
            {
                var s = await client.GetAsync(id);
                output.WriteLine($"{id}: {s?.State} gen {s?.Generation} on {s?.Placement?.NodeId} ({s?.ExitReason})");
            }

            throw;
        }
    }

    private static async Task<T> Retry<T>(Func<Task<T>> action, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                return await action().WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // The pool is recovering: calls to a dead silo time out or fail until membership moves on.
                await Task.Delay(250);
            }
        }
    }
}
