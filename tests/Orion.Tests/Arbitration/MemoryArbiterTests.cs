using Orion.Contracts;
using Orion.Grains.Arbitration;

namespace Orion.Tests.Arbitration;

public sealed class MemoryArbiterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

    // By default a task's memory is all on the device now, as on a card that has been running a while.
    private static MemoryTask Task(string id, PriorityClass c, long mib, bool wants, bool busy = false, int minutesAgo = 0, bool swappable = true, int level = 0, long? residentMiB = null) =>
        new(id, new TaskPriority(c, level), mib, swappable, wants, busy, T0.AddMinutes(-minutesAgo), residentMiB ?? mib);

    [Fact]
    public void A_newcomer_does_not_evict_a_running_equal_that_is_already_on_the_device()
    {
        // batch-9 started first and holds the device; batch-0 arrives equal in all but its id.
        var tasks = new[]
        {
            Task("batch-9", PriorityClass.Offline, 30_720, wants: true) with { ResidentMiB = 30_720 },
            Task("batch-0", PriorityClass.Offline, 30_720, wants: true, residentMiB: 0),
            Task("batch-1", PriorityClass.Offline, 30_720, wants: true) with { ResidentMiB = 30_720 },
        };
        Assert.Equal(["batch-1", "batch-9"], MemoryArbiter.Resident(81_920, tasks).Order());
    }

    [Fact]
    public void An_idle_service_goes_to_host_so_training_fits_and_comes_back_first_when_busy()
    {
        var night = MemoryArbiter.Resident(81_920, [Task("svc", PriorityClass.Online, 40_960, wants: false), Task("train", PriorityClass.Training, 70_000, wants: true)]);
        Assert.Equal(["train"], night.Order());

        var day = MemoryArbiter.Resident(81_920, [Task("svc", PriorityClass.Online, 40_960, wants: true, busy: true), Task("train", PriorityClass.Training, 70_000, wants: false)]);
        Assert.Equal(["svc"], day.Order());
    }

    [Fact]
    public void Victims_are_lower_priority_first_then_the_coldest()
    {
        var tasks = new[]
        {
            Task("new", PriorityClass.Training, 40_000, wants: true),
            Task("offline-idle", PriorityClass.Offline, 20_000, wants: false, minutesAgo: 1),
            Task("svc-cold", PriorityClass.Online, 20_000, wants: false, minutesAgo: 60),
            Task("svc-warm", PriorityClass.Online, 20_000, wants: false, minutesAgo: 5),
        };

        // 80 GB: the newcomer, then the warmest idle service; the offline task and the cold service move out.
        Assert.Equal(["new", "svc-warm"], MemoryArbiter.Resident(61_000, tasks).Order());
        Assert.Equal(["new", "svc-cold", "svc-warm"], MemoryArbiter.Resident(81_000, tasks).Order());
    }

    [Fact]
    public void No_task_is_moved_for_one_of_lower_priority_and_busy_online_work_is_never_a_victim()
    {
        var resident = MemoryArbiter.Resident(81_920, [
            Task("svc", PriorityClass.Online, 50_000, wants: true, busy: true),
            Task("high", PriorityClass.Offline, 30_000, wants: true, level: 5),
            Task("low", PriorityClass.Offline, 30_000, wants: true, level: 0)]);
        Assert.Equal(["high", "svc"], resident.Order());
    }

    [Fact]
    public void Memory_that_may_not_swap_stays_whatever_its_priority()
    {
        var resident = MemoryArbiter.Resident(81_920, [
            Task("pinned", PriorityClass.Offline, 60_000, wants: false, swappable: false),
            Task("train", PriorityClass.Training, 40_000, wants: true)]);
        Assert.Equal(["pinned"], resident.Order());
    }

    [Fact]
    public void A_smaller_task_fills_room_a_larger_one_could_not_use() =>
        Assert.Equal(["a", "c"], MemoryArbiter.Resident(50_000, [
            Task("a", PriorityClass.Training, 30_000, wants: true),
            Task("b", PriorityClass.Offline, 30_000, wants: true, level: 3),
            Task("c", PriorityClass.Offline, 10_000, wants: true)]).Order());

    [Fact]
    public void Room_left_over_keeps_part_of_the_first_task_that_did_not_fit_in_whole_pages()
    {
        // 80 GB: the busy service and the idle one fit (60 GB); the paused batch keeps the 20 GB left, and the
        // other paused batch (lower level) has nothing left for it.
        var plan = MemoryArbiter.Plan(81_920, [
            Task("svc", PriorityClass.Online, 40_960, wants: true, busy: true),
            Task("idle", PriorityClass.Online, 20_481, wants: false),
            Task("batch", PriorityClass.Offline, 30_720, wants: false, level: 1),
            Task("other", PriorityClass.Offline, 30_720, wants: false)]);
        Assert.Equal(40_960, plan["svc"]);
        Assert.Equal(20_481, plan["idle"]);
        Assert.Equal(20_478, plan["batch"]);
        Assert.Equal(0, plan["other"]);
        Assert.True(plan.Values.Sum() <= 81_920);
        Assert.Equal(["idle", "svc"], MemoryArbiter.Resident(81_920, [
            Task("svc", PriorityClass.Online, 40_960, wants: true, busy: true),
            Task("idle", PriorityClass.Online, 20_481, wants: false),
            Task("batch", PriorityClass.Offline, 30_720, wants: false, level: 1)]).Order());
    }

    [Fact]
    public void Memory_comes_back_only_for_a_task_that_needs_it_now()
    {
        // Plenty of room, but the idle service and the paused batch left host RAM for nothing: they stay there (their
        // next request or resume brings them back); the busy service comes back whole.
        var plan = MemoryArbiter.Plan(81_920, [
            Task("idle", PriorityClass.Online, 20_480, wants: false, residentMiB: 6_144),
            Task("paused", PriorityClass.Offline, 30_720, wants: false, residentMiB: 0),
            Task("busy", PriorityClass.Online, 10_240, wants: true, busy: true, residentMiB: 0)]);
        Assert.Equal((6_144L, 0L, 10_240L), (plan["idle"], plan["paused"], plan["busy"]));
    }

    [Fact]
    public void A_plan_never_exceeds_the_device_and_gives_every_task_between_nothing_and_all()
    {
        var random = new Random(7);
        for (var round = 0; round < 500; round++)
        {
            var device = random.Next(1, 100_000);
            var tasks = Enumerable.Range(0, random.Next(1, 8)).Select(i =>
            {
                var mib = random.Next(0, 60_000);
                return Task($"t{i}", (PriorityClass)random.Next(3), mib, wants: random.Next(2) == 0, minutesAgo: random.Next(100), residentMiB: random.Next(0, mib + 1));
            }).ToList();
            var plan = MemoryArbiter.Plan(device, tasks);
            Assert.True(plan.Values.Sum() <= device, $"round {round}");
            Assert.All(tasks, t => Assert.InRange(plan[t.TaskId], 0, t.MemoryMiB));

            // Only a task that needs its memory now gains any, and then all of it.
            Assert.All(tasks.Where(t => plan[t.TaskId] > t.ResidentMiB), t => Assert.True(t.WantsResidency && plan[t.TaskId] == t.MemoryMiB, $"round {round}: {t.TaskId}"));
        }
    }
}
