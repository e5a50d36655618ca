using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains;
using Orion.Grains.Scheduling;
using Orion.NodeDaemon.Simulated;
using Orion.Silo;

namespace Orion.Benchmarks.Colocation;

/// <summary>
/// Runs a span of the workload through the real product: an in-process silo with embedded simulated nodes (one
/// A100-80GB each, compute and memory oversubscribed 2× as in <see cref="OrionDay"/>) on a fake clock. Services
/// hold leases and mark demand through the SDK (<see cref="VGpuLease.BeginRequestAsync"/>), busy for the same
/// stretch of each minute as the model takes; training jobs are submitted; batches are scheduled tasks that come up
/// in their windows. What it reports is read from the grains and the simulated GPUs.
/// </summary>
/// <remarks>
/// The clock jumps from one known event to the next (a demand change, a window edge, a predicted completion) and
/// creeps in small steps while anything waits on simulated time (a memory move, a request waiting for one), so
/// the grains act at the simulated moment they would. A simulated service's own compute is its spec's steady rate;
/// its day curve is carried only by the lease's busy/idle transitions, so here services use no card compute.
/// </remarks>
public static class GrainColocation
{
    private static readonly TimeSpan Creep = TimeSpan.FromMilliseconds(250);
    private static readonly DateTimeOffset Midnight = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    public static async Task<ColocationTrace> RunAsync(ColocationWorkload w, int cards, double fromHour, double hours, double holdSeconds, TextWriter? log = null)
    {
        var invariant = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string?>
        {
            ["Orion:Pool:Policy"] = PlacementPolicies.Default,
            ["Orion:Pool:ComputeOversubscription"] = "2.0",
            ["Orion:Pool:MemoryOversubscription"] = "2.0",

            // The clock jumps by minutes: daemon leases are off and heartbeats rare (they only refresh telemetry).
            ["Orion:Pool:DaemonLease"] = TimeSpan.FromDays(3650).ToString(),
            ["Orion:Embedded:HeartbeatInterval"] = TimeSpan.FromMinutes(10).ToString(),
        };
        for (var i = 0; i < cards; i++)
        {
            var p = $"Orion:Embedded:NodeList:{i}:";
            settings[p + "Name"] = $"n{i:000}";
            settings[p + "DataCenter"] = "dc1";
            settings[p + "GpuModel"] = "A100-80GB";
            settings[p + "GpuCount"] = "1";
            settings[p + "CpuMilli"] = "1000000";
            settings[p + "MemoryMiB"] = "1000000";
            settings[p + "HostSwapMiB"] = "262144";
        }

        var start = Midnight.AddHours(fromHour);
        var clock = new FakeTimeProvider(start);
        using var host = InProcessSilo.Build(settings, "orion-coloc", silo => silo.Services.AddKeyedSingleton<TimeProvider>(OrionClock.Key, clock));
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var daemons = host.Services.GetRequiredService<EmbeddedNodeDaemons>();
            var run = new Run(grains, clock, daemons, w, start, holdSeconds, log);
            return await run.ExecuteAsync(cards, fromHour, hours);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>One run's state: the clock driver, the leases and what the simulated GPUs reported.</summary>
    private sealed class Run(IGrainFactory grains, FakeTimeProvider clock, EmbeddedNodeDaemons daemons, ColocationWorkload w, DateTimeOffset start, double holdSeconds, TextWriter? log)
    {
        private readonly OrionClient client = new(grains, TimeSpan.FromSeconds(2), clock);
        private readonly Dictionary<string, VGpuLease> leases = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Task<RequestScope>> open = new(StringComparer.Ordinal);
        private readonly List<Task> inFlight = [];
        private readonly Dictionary<string, double> lastDone = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> exitedAt = new(StringComparer.Ordinal);
        private readonly object sync = new();

        private IEnumerable<SimulatedGpuBackend> Backends => daemons.Daemons.Select(d => (SimulatedGpuBackend)d.Backend);

        public async Task<ColocationTrace> ExecuteAsync(int cards, double fromHour, double hours)
        {
            var pool = grains.GetGrain<IPoolGrain>(GrainKeys.Pool);
            await Until(async () => (await pool.GetSchedulerSnapshot()).Nodes == cards, "nodes registered");
            foreach (var b in Backends)
            {
                b.Exited += exit =>
                {
                    lock (sync)
                    {
                        exitedAt[exit.TaskId] = exit.At;
                    }
                };
            }

            // Placed in the model's order: services, training, then batches as their windows open.
            foreach (var s in w.Services)
            {
                var spec = new TaskSpec(s.Name, "online", new TaskPriority(PriorityClass.Online), ResourceRequest.Slice(s.ShareMilli / 10.0, s.MemoryMiB, 100, 1024),
                    PlacementConstraints.None, WorkloadSpec.Service(0, s.GpuMsPerRequest));
                leases[s.Name] = await WhileCreeping(client.AcquireAsync(spec, new LeaseOptions { HoldTime = TimeSpan.FromSeconds(holdSeconds), TaskId = s.Name }));
            }

            foreach (var t in w.Trainings)
            {
                var spec = new TaskSpec(t.Name, "research", new TaskPriority(PriorityClass.Training), ResourceRequest.Slice(100, t.MemoryMiB, 100, 1024),
                    PlacementConstraints.None, WorkloadSpec.Training((long)Math.Round(t.CardHoursPerDay * 3600), 1000, t.MemoryMiB));
                await client.SubmitAsync(spec, t.Name);
                await Until(async () => (await client.GetAsync(t.Name))!.StartedAt is not null, $"{t.Name} started");
            }

            foreach (var b in w.Batches)
            {
                var open = TimeSpan.FromHours(b.WindowStartHour);
                var spec = new TaskSpec(b.Name, "offline", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(b.ShareMilli / 10.0, b.MemoryMiB, 100, 1024),
                    PlacementConstraints.None, WorkloadSpec.Batch((long)Math.Round(b.WorkCardHours * 3600), 1000),
                    ScheduleSpec.Daily(string.Create(CultureInfo.InvariantCulture, $"{open.Minutes} {open.Hours} * * *"), TimeSpan.FromHours(b.WindowHours)));
                await client.SubmitAsync(spec, b.Name);
            }

            var end = start.AddHours(hours);
            var events = Events(fromHour, hours);
            var next = 0;
            while (clock.GetUtcNow() < end)
            {
                while (next < events.Count && events[next].At <= clock.GetUtcNow())
                {
                    events[next++].Act();
                }

                await Settle();
                var due = next < events.Count && events[next].At < end ? events[next].At : end;
                var completion = NextCompletion();
                if (completion < due)
                {
                    due = completion;
                }

                Record();
                clock.Advance(due > clock.GetUtcNow() ? due - clock.GetUtcNow() : TimeSpan.FromTicks(1));
            }

            await Settle();
            Record();
            log?.WriteLine(FormattableString.Invariant($"  grains: ran {hours} h from hour {fromHour} on {cards} cards"));
            return await Measure(cards, fromHour, hours);
        }

        /// <summary>The driver's timeline: each service's busy stretch per minute and each window's edges.</summary>
        private List<(DateTimeOffset At, Action Act)> Events(double fromHour, double hours)
        {
            var events = new List<(DateTimeOffset At, Action Act)>();
            var hold = TimeSpan.FromSeconds(holdSeconds);
            var minutes = (int)Math.Round(hours * 60);
            foreach (var s in w.Services)
            {
                for (var step = 0; step < minutes; step++)
                {
                    var at = start.AddMinutes(step);
                    var minute = ((int)Math.Round(fromHour * 60) + step) % (24 * 60);
                    var busy = Math.Min(1, s.RpsAt(minute / 60.0) * (holdSeconds + (s.GpuMsPerRequest / 1000)));
                    var name = s.Name;
                    if (busy <= 0)
                    {
                        events.Add((at, () => EndRequest(name)));
                        continue;
                    }

                    events.Add((at, () => BeginRequest(name)));
                    if (busy < 1)
                    {
                        // Busy for that part of the minute: the last request ends a hold time before the lease goes idle.
                        var stretch = TimeSpan.FromMinutes(busy) - hold;
                        events.Add((at + (stretch > TimeSpan.Zero ? stretch : TimeSpan.Zero), () => EndRequest(name)));
                        events.Add((at + (stretch > TimeSpan.Zero ? stretch : TimeSpan.Zero) + hold, () => { }));
                    }
                }
            }

            // Stop at window edges and just after, so a window's placement or stop happens when it should.
            foreach (var b in w.Batches)
            {
                foreach (var edge in new[] { b.WindowStartHour, b.WindowStartHour + b.WindowHours })
                {
                    for (var day = -1; day <= 1; day++)
                    {
                        var at = Midnight.AddHours(edge + (24 * day));
                        if (at >= start && at <= start.AddHours(hours))
                        {
                            events.Add((at.AddTicks(-TimeSpan.TicksPerSecond), () => { }));
                            events.Add((at, () => { }));
                        }
                    }
                }
            }

            return [.. events.OrderBy(e => e.At)];
        }

        private void BeginRequest(string service)
        {
            if (!open.ContainsKey(service))
            {
                open[service] = leases[service].BeginRequestAsync().AsTask();
                inFlight.Add(open[service]);
            }
        }

        private void EndRequest(string service)
        {
            // A request still waiting (on a memory move) ends as soon as it is granted.
            if (open.Remove(service, out var request))
            {
                inFlight.Add(request.ContinueWith(async r => await r.Result.DisposeAsync(), TaskScheduler.Default).Unwrap());
            }
        }

        /// <summary>Lets the grains act at this simulated moment; creeps the clock while something waits on simulated time.</summary>
        private async Task Settle()
        {
            var nudged = false;
            for (var round = 0; ; round++)
            {
                await Task.Delay(1);
                inFlight.RemoveAll(t => t.IsCompleted);
                var cardsQuiet = Task.WhenAll(daemons.Daemons.Select(d => grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(d.NodeId, 0)).GetSnapshot()));
                var quiet = await Task.WhenAny(cardsQuiet, Task.Delay(20)) == cardsQuiet;
                var moving = Backends.Any(b => b.Running.Keys.Any(id => b.GetTask(id) is { TransitPages: > 0 }));
                if (quiet && !moving && inFlight.Count == 0)
                {
                    if (nudged)
                    {
                        return;
                    }

                    // A card moves memory a moment after demand changes (PoolOptions.MemoryPassDelay): let that moment come.
                    nudged = true;
                    clock.Advance(new PoolOptions().MemoryPassDelay);
                    continue;
                }

                if (round > 4000)
                {
                    throw new TimeoutException("the grains did not settle");
                }

                clock.Advance(Creep);
            }
        }

        /// <summary>The next moment a running batch or training job will finish at today's rates.</summary>
        private DateTimeOffset NextCompletion()
        {
            var now = clock.GetUtcNow();
            var next = DateTimeOffset.MaxValue;
            foreach (var b in Backends)
            {
                foreach (var id in b.Running.Keys)
                {
                    if (b.GetTask(id) is { Rate: > 0 } t && double.IsFinite(t.TotalGpuMs))
                    {
                        var at = now + TimeSpan.FromMilliseconds(Math.Ceiling((t.TotalGpuMs - t.GpuMsDone) / t.Rate));
                        next = at < next ? at : next;
                    }
                }
            }

            return next;
        }

        private void Record()
        {
            foreach (var b in Backends)
            {
                foreach (var id in b.Running.Keys)
                {
                    if (b.GetTask(id) is { } t && double.IsFinite(t.TotalGpuMs))
                    {
                        lastDone[id] = t.GpuMsDone;
                    }
                }
            }
        }

        private async Task<ColocationTrace> Measure(int cards, double fromHour, double hours)
        {
            var card = new Dictionary<string, int>(StringComparer.Ordinal);
            var cardHours = new Dictionary<string, double>(StringComparer.Ordinal);
            var finished = new Dictionary<string, double>(StringComparer.Ordinal);
            var moves = new Dictionary<string, int>(StringComparer.Ordinal);
            var gib = new Dictionary<string, double>(StringComparer.Ordinal);
            var pauses = new Dictionary<string, int>(StringComparer.Ordinal);
            var names = w.Services.Select(s => s.Name).Concat(w.Trainings.Select(t => t.Name)).Concat(w.Batches.Select(b => b.Name));
            foreach (var name in names)
            {
                var status = (await client.GetAsync(name))!;
                if (status.Placement is { } p)
                {
                    card[name] = int.Parse(p.NodeId.Split('/')[^1][1..], CultureInfo.InvariantCulture);
                }

                if (status.Swaps > 0)
                {
                    moves[name] = status.Swaps;
                    gib[name] = status.BytesMoved / (double)(1L << 30);
                }

                if (status.SuspendCount > 0)
                {
                    pauses[name] = status.SuspendCount;
                }

                if (status.Spec.Workload.TotalGpuMs is { } total)
                {
                    lock (sync)
                    {
                        if (exitedAt.TryGetValue(name, out var at))
                        {
                            finished[name] = (at - start).TotalHours;
                            cardHours[name] = total / 3_600_000;
                        }
                        else
                        {
                            cardHours[name] = lastDone.GetValueOrDefault(name) / 3_600_000;
                        }
                    }
                }
            }

            return new ColocationTrace(cards, fromHour, hours, card, cardHours, finished, moves, gib, pauses);
        }

        private async Task<T> WhileCreeping<T>(Task<T> work)
        {
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(50));
                if (!work.IsCompleted)
                {
                    clock.Advance(Creep);
                }
            }

            return await work;
        }

        private async Task Until(Func<Task<bool>> condition, string what)
        {
            for (var round = 0; !await condition(); round++)
            {
                if (round > 2000)
                {
                    throw new TimeoutException($"waited too long for {what}");
                }

                await Task.Delay(10);
                if (round % 10 == 9)
                {
                    clock.Advance(Creep);
                }
            }
        }
    }
}
