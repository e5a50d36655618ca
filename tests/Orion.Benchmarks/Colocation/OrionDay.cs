using Orion.Contracts;
using Orion.Grains.Arbitration;
using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Colocation;

/// <summary>
/// A day of the workload on <c>cards</c> A100-80GB cards run the Orion way, minute by minute, with the
/// product's own pieces: the scheduler's placement (<see cref="OnlineAwarePolicy"/> over the default policy) puts
/// services, training and batches on cards (compute and memory oversubscribed 2×); in each phase of a minute (the
/// stretches between the ends of the services' busy spells), each card's <see cref="CardArbiter"/> says which work
/// yields to busy online services and its <see cref="MemoryArbiter"/> whose memory stays on the device; memory moves
/// take bytes ÷ the host link (25 GB/s) and cost the mover, work resuming after them, and the first request of a
/// service brought back, that time. Compute is shared as the simulated GPU shares it (wants scaled down in
/// proportion past the card).
/// </summary>
public static class OrionDay
{
    public const double LinkBytesPerSecond = 25e9;

    public static DayOutcome Simulate(ColocationWorkload w, int cards, double holdSeconds, double transitionMs) =>
        Replay(w, cards, holdSeconds, transitionMs, 0, 24).Outcome;

    /// <summary>
    /// Runs <paramref name="hours"/> of the workload from <paramref name="fromHour"/>, minute by minute. Within a
    /// minute a service's busy time is taken as one stretch from the minute's start (that is where a pause begins).
    /// </summary>
    public static (DayOutcome Outcome, ColocationTrace Trace) Replay(ColocationWorkload w, int cards, double holdSeconds, double transitionMs, double fromHour, double hours)
    {
        var view = new ClusterView();
        for (var i = 0; i < cards; i++)
        {
            view.Upsert(new NodeView($"n{i:000}", "dc1", 1_000_000, 1_000_000, [new GpuView($"n{i:000}/0", 0, "A100-80GB", 2000, 163_840, 81_920)]) { SwapBudget = 262_144 });
        }

        var policy = new OnlineAwarePolicy(PlacementPolicies.Create(PlacementPolicies.Default));
        var card = new Dictionary<string, int>();
        var tasks = w.Services.Select(s => (s.Name, Req: Slice(s.ShareMilli, s.MemoryMiB) with { Online = true }))
            .Concat(w.Trainings.Select(t => (t.Name, Req: Slice(1000, t.MemoryMiB))))
            .Concat(w.Batches.Select(b => (b.Name, Req: Slice(b.ShareMilli, b.MemoryMiB))));
        foreach (var (name, req) in tasks)
        {
            policy.Observe(req);
            var choice = policy.Choose(view, req);
            if (choice is null)
            {
                var none = new ColocationTrace(cards, fromHour, hours, card, new Dictionary<string, double>(), new Dictionary<string, double>(), new Dictionary<string, int>(), new Dictionary<string, double>(), new Dictionary<string, int>());
                return (new DayOutcome(cards, false, false, false, double.PositiveInfinity, 0, 0, 0, 0, 0, [], []), none);
            }

            ClusterView.Apply(choice, req);
            card[name] = choice.Node.Ordinal;
        }

        var batchLeft = w.Batches.ToDictionary(b => b.Name, b => b.WorkCardHours);
        var trainingDone = w.Trainings.ToDictionary(t => t.Name, _ => 0.0);
        var finishedAt = new Dictionary<string, double>();

        // How much of each task's memory is on the device; a task that appears (placed, or its window opened) starts
        // where the arbitration puts it when that is all on the device or all on host RAM, as the grains start it, and
        // only later changes are moves.
        var resident = new Dictionary<string, long>();
        var present = new HashSet<string>();
        var lastActive = new Dictionary<string, DateTimeOffset>();
        var taskMoves = new Dictionary<string, int>();
        var taskBytes = new Dictionary<string, double>();
        var pauses = new Dictionary<string, int>();
        var paused = new HashSet<string>();
        var pausedSince = new Dictionary<string, DateTimeOffset>();
        var pausedFor = new Dictionary<string, TimeSpan>();
        var latency = new ResponseTimeModel();
        var hourlyLoad = new double[24];
        var hourlyUse = new double[24];
        var moves = 0;
        var bytes = 0.0;
        var t0 = DateTimeOffset.UnixEpoch;
        var useSum = 0.0;
        var firstMinute = (int)Math.Round(fromHour * 60);
        var minutes = (int)Math.Round(hours * 60);

        // All of a task's memory is on the device (a task not there yet starts where it is placed: counted whole).
        bool Whole(string name, long mib) => !present.Contains(name) || resident.GetValueOrDefault(name) >= mib;

        void CountMove(string name, long mib, int count)
        {
            moves += count;
            bytes += count * mib * 1024.0 * 1024.0;
            taskMoves[name] = taskMoves.GetValueOrDefault(name) + count;
            taskBytes[name] = taskBytes.GetValueOrDefault(name) + (count * mib / 1024.0);
        }

        for (var step = 0; step < minutes; step++)
        {
            var minute = (firstMinute + step) % (24 * 60);
            var hour = minute / 60.0;
            for (var c = 0; c < cards; c++)
            {
                var services = w.Services.Where(s => card[s.Name] == c).ToList();
                var trainings = w.Trainings.Where(t => card[t.Name] == c).ToList();
                var batches = w.Batches.Where(b => card[b.Name] == c).ToList();
                var rps = services.ToDictionary(s => s.Name, s => s.RpsAt(hour));

                // The fraction of the minute each service is busy: a request, then the hold time.
                var busy = services.ToDictionary(s => s.Name, s => Math.Min(1, rps[s.Name] * (holdSeconds + (s.GpuMsPerRequest / 1000))));
                var trainingActive = trainings.Where(t => trainingDone[t.Name] < t.CardHoursPerDay).ToList();
                var batchActive = batches.Where(b => b.InWindow(hour) && batchLeft[b.Name] > 1e-9).ToList();

                // Finished work and batches outside their window hold no memory (the grains released them).
                foreach (var gone in batches.Select(b => b.Name).Concat(trainings.Select(t => t.Name))
                    .Where(n => !trainingActive.Any(t => t.Name == n) && !batchActive.Any(b => b.Name == n)))
                {
                    present.Remove(gone);
                    resident.Remove(gone);
                    paused.Remove(gone);
                }

                // The minute in phases, as the grains see it: every service's busy stretch starts with the minute and ends
                // at its own time, so a phase ends where a stretch does. In each phase the card's arbitration says which
                // work yields to the services still busy, and the memory arbitration whose memory is on the device; every
                // change is a move on the card's link, and the first request of a service whose memory comes back waits
                // for the moves of that phase.
                var ends = services.Select(s => busy[s.Name]).Where(f => f > 0 && f < 1).Append(1.0).Distinct().Order().ToList();
                var others = trainingActive.Select(t => t.Name).Concat(batchActive.Select(b => b.Name)).ToList();
                var runSeconds = new Dictionary<string, double>();
                var swappedIn = new Dictionary<string, double>();
                var from = 0.0;
                foreach (var end in ends)
                {
                    var seconds = (end - from) * 60;
                    // The clock runs on past midnight (the minute of the day wraps, time does not).
                    var at = t0.AddMinutes(firstMinute + step).AddSeconds(from * 60);
                    var busyNow = services.Where(s => busy[s.Name] > from).Select(s => s.Name).ToHashSet();
                    from = end;
                    var yields = CardArbiter.Paused(
                        services.Select(s => new ArbitrationTask(s.Name, new TaskPriority(PriorityClass.Online), s.ShareMilli, busyNow.Contains(s.Name)))
                        .Concat(trainingActive.Select(t => new ArbitrationTask(t.Name, new TaskPriority(PriorityClass.Training), 1000, false, true, pausedFor.GetValueOrDefault(t.Name), Whole(t.Name, t.MemoryMiB))))
                        .Concat(batchActive.Select(b => new ArbitrationTask(b.Name, new TaskPriority(PriorityClass.Offline), b.ShareMilli, false, true, pausedFor.GetValueOrDefault(b.Name), Whole(b.Name, b.MemoryMiB)))));
                    var resuming = others.Where(n => paused.Contains(n) && !yields.Contains(n)).ToHashSet();
                    foreach (var name in yields)
                    {
                        // A pause begins when work starts yielding, not in each phase it goes on yielding.
                        if (paused.Add(name))
                        {
                            pauses[name] = pauses.GetValueOrDefault(name) + 1;
                            pausedSince[name] = at;
                        }
                    }

                    foreach (var name in resuming)
                    {
                        pausedFor[name] = pausedFor.GetValueOrDefault(name) + (at - pausedSince[name]);
                    }

                    paused.ExceptWith(resuming);
                    bool Wants(string name) => !yields.Contains(name);
                    var memory = services.Select(s => new MemoryTask(s.Name, new TaskPriority(PriorityClass.Online), s.MemoryMiB, true,
                            busyNow.Contains(s.Name), busyNow.Contains(s.Name), lastActive.GetValueOrDefault(s.Name), resident.GetValueOrDefault(s.Name)))
                        .Concat(trainingActive.Select(t => new MemoryTask(t.Name, new TaskPriority(PriorityClass.Training), t.MemoryMiB, true,
                            Wants(t.Name), false, lastActive.GetValueOrDefault(t.Name), resident.GetValueOrDefault(t.Name))))
                        .Concat(batchActive.Select(b => new MemoryTask(b.Name, new TaskPriority(PriorityClass.Offline), b.MemoryMiB, true,
                            Wants(b.Name), false, lastActive.GetValueOrDefault(b.Name), resident.GetValueOrDefault(b.Name))))
                        .ToList();

                    // A task that appears (placed, or its window opened) wants its memory on the device while it starts, as
                    // the grains start it: it starts there when the arbitration makes room for all of it (others' memory moving
                    // out for it), otherwise all on host RAM; from then on it is arbitrated like the rest.
                    var startMiB = 0L;
                    var appearing = memory.Where(m => present.Add(m.TaskId)).Select(m => m.TaskId).ToHashSet();
                    if (appearing.Count > 0)
                    {
                        var startPlan = MemoryArbiter.Plan(81_920, memory.Select(m => appearing.Contains(m.TaskId) ? m with { WantsResidency = true } : m));
                        foreach (var m in memory)
                        {
                            var target = startPlan[m.TaskId];
                            if (appearing.Contains(m.TaskId))
                            {
                                resident[m.TaskId] = target == m.MemoryMiB ? target : 0;
                            }
                            else if (target != resident[m.TaskId])
                            {
                                CountMove(m.TaskId, Math.Abs(target - resident[m.TaskId]), 1);
                                startMiB += Math.Abs(target - resident[m.TaskId]);
                                resident[m.TaskId] = target;
                            }
                        }

                        memory = [.. memory.Select(m => m with { ResidentMiB = resident[m.TaskId] })];
                    }

                    var plan = MemoryArbiter.Plan(81_920, memory);
                    foreach (var m in memory.Where(m => m.WantsResidency))
                    {
                        lastActive[m.TaskId] = at;
                    }

                    // Only the difference moves, in whichever direction.
                    var moving = memory.Select(m => (m.TaskId, MiB: plan[m.TaskId] - resident[m.TaskId])).Where(m => m.MiB != 0).ToList();

                    // A service with requests that the device cannot hold still has to be served: the rest of its memory comes
                    // in for its requests and goes out again for whoever the arbitration keeps (both moves counted, the first charged).
                    var forced = services.Where(s => busyNow.Contains(s.Name) && plan[s.Name] < s.MemoryMiB).ToList();
                    var moveSeconds = (startMiB + moving.Sum(m => Math.Abs(m.MiB)) + forced.Sum(s => s.MemoryMiB - plan[s.Name])) * 1024.0 * 1024.0 / LinkBytesPerSecond;
                    foreach (var (name, mib, count) in moving.Select(m => (m.TaskId, Math.Abs(m.MiB), 1)).Concat(forced.Select(s => (s.Name, s.MemoryMiB - plan[s.Name], 2))))
                    {
                        CountMove(name, mib, count);
                    }

                    foreach (var m in moving)
                    {
                        resident[m.TaskId] = plan[m.TaskId];
                    }

                    foreach (var s in services.Where(s => busyNow.Contains(s.Name) && !swappedIn.ContainsKey(s.Name)
                        && (forced.Contains(s) || moving.Any(m => m.TaskId == s.Name && m.MiB > 0))))
                    {
                        swappedIn[s.Name] = moveSeconds;
                    }

                    // Other work runs in a phase while all its memory is on the device and it is not yielding, less the moves it
                    // waits for: its own, or the phase's when it resumes (the card resumes work after the moves it ordered).
                    foreach (var m in memory.Where(m => m.Priority.Class != PriorityClass.Online && resident[m.TaskId] == m.MemoryMiB && Wants(m.TaskId)))
                    {
                        var waited = moving.Any(x => x.TaskId == m.TaskId) || resuming.Contains(m.TaskId) ? moveSeconds : 0;
                        runSeconds[m.TaskId] = runSeconds.GetValueOrDefault(m.TaskId) + Math.Max(0, seconds - waited);
                    }
                }

                // Online: contention only if busy services want more than the card.
                var onlineWant = services.Sum(s => rps[s.Name] * s.GpuMsPerRequest / 1000 * s.ShareMilli / 1000);
                var stretch = Math.Max(1, onlineWant);
                foreach (var s in services)
                {
                    var requests = rps[s.Name] * 60;
                    if (swappedIn.TryGetValue(s.Name, out var waitSeconds) && requests > 0)
                    {
                        // The first request after its memory comes back waits for the moves on the link.
                        var first = Math.Min(1, requests);
                        latency.AddPoint(first, (waitSeconds * 1000) + s.GpuMsPerRequest);
                        requests -= first;
                    }

                    // Each idle→busy transition waits for the card's pause acks.
                    var transitions = Math.Min(requests, rps[s.Name] * 60 * Math.Exp(-rps[s.Name] * holdSeconds));
                    latency.AddPoint(transitions, s.GpuMsPerRequest + transitionMs);
                    latency.Add(requests - transitions, rps[s.Name], s.GpuMsPerRequest * stretch);
                }

                // Other work: the share it gets while running, for the time it is resident and neither yielding nor moving.
                var runners = trainingActive.Select(t => (t.Name, Share: 1000.0)).Concat(batchActive.Select(b => (b.Name, Share: (double)b.ShareMilli)))
                    .Where(r => runSeconds.ContainsKey(r.Name)).ToList();
                var want = (onlineWant * 1000) + runners.Sum(r => r.Share * runSeconds[r.Name] / 60);
                var scale = want > 1000 ? 1000 / want : 1;
                var cardUse = onlineWant;
                foreach (var (name, share) in runners)
                {
                    var running = runSeconds[name] / 60;
                    var cardHours = share / 1000 * scale * running / 60;
                    if (trainingDone.ContainsKey(name))
                    {
                        trainingDone[name] += cardHours;
                    }
                    else
                    {
                        // A batch that finishes inside the minute stops using the card there.
                        var left = batchLeft[name];
                        if (cardHours >= left && cardHours > 0)
                        {
                            finishedAt[name] = step + ((60 - (running * 60)) + (running * 60 * left / cardHours)) / 60;
                        }

                        cardHours = Math.Min(cardHours, left);
                        batchLeft[name] -= cardHours;
                    }

                    cardUse += cardHours * 60;
                }

                hourlyLoad[minute / 60] += onlineWant / 60;
                hourlyUse[minute / 60] += Math.Min(1, cardUse) / 60 / cards;
                useSum += Math.Min(1, cardUse);
            }
        }

        if (Environment.GetEnvironmentVariable("COLOC_MODEL_DEBUG") is { Length: > 0 })
        {
            for (var c = 0; c < cards; c++)
            {
                Console.Error.WriteLine($"card {c}: " + string.Join(", ", card.Where(kv => kv.Value == c).Select(kv => kv.Key + (batchLeft.TryGetValue(kv.Key, out var l) ? $"(left {l:G4})" : "") + (trainingDone.TryGetValue(kv.Key, out var d) ? $"(done {d:F1})" : "") + $"[mv {taskMoves.GetValueOrDefault(kv.Key)}]")));
            }
        }

        var outcome = new DayOutcome(
            cards, true,
            batchLeft.Values.All(v => v <= 1e-6),
            w.Trainings.All(t => trainingDone[t.Name] >= t.CardHoursPerDay - 1e-6),
            latency.Quantile(0.99),
            useSum / (cards * minutes),
            w.Batches.Sum(b => b.WorkCardHours - Math.Max(0, batchLeft[b.Name])),
            trainingDone.Values.Sum(),
            moves, bytes, hourlyLoad, hourlyUse);
        var cardHoursDone = w.Batches.ToDictionary(b => b.Name, b => b.WorkCardHours - Math.Max(0, batchLeft[b.Name]));
        foreach (var (name, done) in trainingDone)
        {
            cardHoursDone[name] = done;
        }

        var trace = new ColocationTrace(cards, fromHour, hours, card, cardHoursDone, finishedAt.ToDictionary(kv => kv.Key, kv => kv.Value / 60), taskMoves, taskBytes, pauses);
        return (outcome, trace);
    }

    /// <summary>A one-card request with the host CPU and memory the grain run's specs ask for, so both place alike.</summary>
    private static PlacementRequest Slice(int milli, long memoryMiB) => new(1, milli, memoryMiB, 100, 1024, []);
}
