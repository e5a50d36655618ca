using Orion.Contracts;
using Orion.Grains.Arbitration;

namespace Orion.Tests.Arbitration;

public sealed class MemoryArbiterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

    private static MemoryTask Task(string id, PriorityClass c, long mib, bool wants, bool busy = false, int minutesAgo = 0, bool swappable = true, int level = 0) =>
        new(id, new TaskPriority(c, level), mib, swappable, wants, busy, T0.AddMinutes(-minutesAgo));

    [Fact]
    public void A_newcomer_does_not_evict_a_running_equal_that_is_already_on_the_device()
    {
        // batch-9 started first and holds the device; batch-0 arrives equal in all but its id.
        var tasks = new[]
        {
            Task("batch-9", PriorityClass.Offline, 30_720, wants: true) with { Resident = true },
            Task("batch-0", PriorityClass.Offline, 30_720, wants: true),
            Task("batch-1", PriorityClass.Offline, 30_720, wants: true) with { Resident = true },
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
}
