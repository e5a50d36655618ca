using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

public sealed class MemoryModelTests
{
    private const double Bandwidth = 25e9;   // A100-80GB host link in the catalogue, bytes per second
    private readonly FakeTimeProvider clock = new();

    private SimulatedGpuBackend Backend(long hostSwapMiB = 256 * 1024, int cards = 1) =>
        new("dc1/n", Enumerable.Repeat(GpuModelCatalog.Get("A100-80GB"), cards).ToList(), clock, hostSwapMiB);

    private static TaskLaunch Launch(string id, long memoryMiB, double gpuMs = 1e9, int card = 0, bool onHost = false) =>
        new(id, 1, [$"dc1/n/{card}"], 500, memoryMiB, WorkloadSpec.Batch(1, gpuMs), onHost);

    private static TimeSpan TransferTime(long mib) => TimeSpan.FromTicks((long)Math.Ceiling(mib * 1024.0 * 1024.0 / Bandwidth * TimeSpan.TicksPerSecond));

    [Fact]
    public async Task A_move_takes_bytes_over_link_bandwidth_and_the_ack_says_so()
    {
        using var b = Backend();
        b.Start(Launch("t", 40_960));
        var move = b.SwapOut("t", 1);
        Assert.False(move.IsCompleted);
        clock.Advance(TransferTime(40_960) - TimeSpan.FromTicks(1));
        Assert.False(move.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        var ack = await move;
        Assert.Equal(40_960L * 1024 * 1024, ack.BytesMoved);
        Assert.Equal(TransferTime(40_960), ack.Duration);
        Assert.Equal((0L, 40_960L), (ack.ResidentMiB, ack.HostMiB));
        Assert.Equal(0, b.GetCard(0).ResidentPages);
        Assert.Equal(20_480, b.HostPagesInUse);
    }

    [Fact]
    public async Task Two_moves_on_one_card_queue_on_its_link_and_moves_on_two_cards_do_not()
    {
        using var b = Backend(cards: 2);
        b.Start(Launch("a", 20_480));
        b.Start(Launch("b", 20_480));
        b.Start(Launch("c", 20_480, card: 1));
        var first = b.SwapOut("a", 1);
        var second = b.SwapOut("b", 1);
        var other = b.SwapOut("c", 1);
        clock.Advance(TransferTime(20_480));
        Assert.True(first.IsCompleted);
        Assert.True(other.IsCompleted);
        Assert.False(second.IsCompleted);
        clock.Advance(TransferTime(20_480));
        Assert.Equal(TransferTime(20_480) * 2, (await second).Duration);
    }

    [Fact]
    public async Task A_move_queued_behind_one_that_is_dropped_starts_when_the_link_frees()
    {
        using var b = Backend();
        b.Start(Launch("a", 20_480));
        b.Start(Launch("b", 20_480));
        var dropped = b.SwapOut("a", 1);
        var queued = b.SwapOut("b", 1);

        // Half way through a's move, a stops: the link is b's from then on.
        var half = TransferTime(20_480) / 2;
        clock.Advance(half);
        Assert.True(b.Stop("a", 1));
        Assert.False((await dropped).Applied);
        clock.Advance(TransferTime(20_480) - TimeSpan.FromTicks(1));
        Assert.False(queued.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(queued.IsCompleted, "b's move still waits for link time a no longer uses");
        Assert.Equal(half + TransferTime(20_480), (await queued).Duration);
        Assert.Equal(10_240, b.HostPagesInUse);
    }

    [Fact]
    public async Task A_task_makes_no_progress_while_any_of_its_memory_is_off_the_device()
    {
        using var b = Backend();
        b.Start(Launch("t", 10_240, gpuMs: 10_000));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(500, b.GetTask("t")!.GpuMsDone, 6);
        var move = b.SwapOut("t", 1);
        clock.Advance(TimeSpan.FromSeconds(10));
        await move;
        Assert.Equal(500, b.GetTask("t")!.GpuMsDone, 6);

        var back = b.SwapIn("t", 1);
        clock.Advance(TransferTime(10_240));
        await back;
        Assert.Equal(500, b.GetTask("t")!.GpuMsDone, 6);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1000, b.GetTask("t")!.GpuMsDone, 6);
    }

    [Fact]
    public async Task Repeated_moves_move_nothing_more_and_stale_generations_nothing_at_all()
    {
        using var b = Backend();
        b.Start(Launch("t", 2048));
        var once = b.SwapOut("t", 1);
        var twice = b.SwapOut("t", 1);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((await once).BytesMoved, (await twice).BytesMoved);
        var again = await b.SwapOut("t", 1);
        Assert.Equal(0, again.BytesMoved);
        Assert.False((await b.SwapIn("t", 0)).Applied);
        Assert.Equal(1024, b.GetTask("t")!.HostPages);
    }

    [Fact]
    public async Task A_partial_move_goes_to_a_resident_target_and_only_the_difference_moves()
    {
        using var b = Backend();
        b.Start(Launch("t", 30_720, gpuMs: 10_000));

        // Keep 20 GiB on the device: 10 GiB moves, in 10 GiB's time.
        var move = b.SwapOut("t", 1, residentMiB: 20_480);
        clock.Advance(TransferTime(10_240));
        var ack = await move;
        Assert.Equal(10_240L * 1024 * 1024, ack.BytesMoved);
        Assert.Equal(TransferTime(10_240), ack.Duration);
        Assert.Equal((20_480L, 10_240L), (ack.ResidentMiB, ack.HostMiB));
        Assert.Equal(10_240, b.GetCard(0).ResidentPages);
        Assert.Equal(5_120, b.HostPagesInUse);

        // A target, not an amount: the same command again moves nothing; a lower one moves the rest of the way.
        Assert.Equal(0, (await b.SwapOut("t", 1, residentMiB: 20_480)).BytesMoved);
        var further = b.SwapOut("t", 1, residentMiB: 16_384);
        clock.Advance(TransferTime(4_096));
        Assert.Equal(4_096L * 1024 * 1024, (await further).BytesMoved);

        // Partly on host RAM, it makes no progress; back in part, still none; all back, it runs.
        var done = b.GetTask("t")!.GpuMsDone;
        var part = b.SwapIn("t", 1, residentMiB: 24_576);
        clock.Advance(TransferTime(8_192));
        Assert.Equal((24_576L, 6_144L), ((await part).ResidentMiB, (await part).HostMiB));
        Assert.Equal(done, b.GetTask("t")!.GpuMsDone, 6);
        var rest = b.SwapIn("t", 1);
        clock.Advance(TransferTime(6_144));
        Assert.Equal(6_144L * 1024 * 1024, (await rest).BytesMoved);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(done + 500, b.GetTask("t")!.GpuMsDone, 6);
        Assert.Equal(0, b.HostPagesInUse);
    }

    [Fact]
    public void Moves_that_do_not_fit_are_refused_and_change_nothing()
    {
        using var b = Backend(hostSwapMiB: 10_000);
        b.Start(Launch("big", 20_000));
        Assert.Throws<BackendException>(() => { _ = b.SwapOut("big", 1); });
        Assert.Equal(10_000, b.GetTask("big")!.ResidentPages);
        Assert.Equal(0, b.HostPagesInUse);

        b.Start(Launch("parked", 8_000, onHost: true));
        b.Start(Launch("filler", 81_920 - 20_000));
        Assert.Throws<BackendException>(() => { _ = b.SwapIn("parked", 1); });
        Assert.Equal(4_000, b.GetTask("parked")!.HostPages);
        Assert.Throws<BackendException>(() => b.Start(Launch("nowhere", 4_000, onHost: true)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_commands_keep_page_accounting_exact(int seed)
    {
        var random = new Random(seed);
        using var b = Backend(hostSwapMiB: 40_000, cards: 2);
        var pending = new List<Task<SwapResult>>();
        var ids = new List<string>();
        var (starts, moves, refusals) = (0, 0, 0);
        for (var step = 0; step < 300; step++)
        {
            var id = ids.Count > 0 ? ids[random.Next(ids.Count)] : null;
            var n = $"t{step}";
            var before = Pages(b, [.. ids, n]);
            try
            {
                switch (random.Next(7))
                {
                    case 0:
                        b.Start(Launch(n, 2 * random.Next(1, 15_000), gpuMs: random.Next(1, 20_000), card: random.Next(2), onHost: random.Next(4) == 0));
                        ids.Add(n);
                        starts++;
                        break;
                    case 1 when id is not null:
                        pending.Add(random.Next(2) == 0 ? b.SwapOut(id, 1) : b.SwapOut(id, 1, random.Next(0, 30_000)));
                        moves++;
                        break;
                    case 2 when id is not null:
                        pending.Add(random.Next(2) == 0 ? b.SwapIn(id, 1) : b.SwapIn(id, 1, random.Next(0, 30_000)));
                        moves++;
                        break;
                    case 3 when id is not null:
                        b.Stop(id, 1);
                        break;
                    case 4 when id is not null:
                        b.Pause(id, 1, "x");
                        break;
                    default:
                        clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 3000)));
                        break;
                }
            }
            catch (BackendException)
            {
                // Refused (no room, say): nothing changed, page for page, on any task or card.
                refusals++;
                Assert.Equal(before, Pages(b, [.. ids, n]));
            }

            AssertAccounting(b, ids);
        }

        // The run did exercise the model: tasks started, memory moved both ways, and some commands were refused.
        Assert.True(starts >= 25 && moves >= 50 && refusals >= 5, $"{starts} starts, {moves} moves, {refusals} refusals");
        clock.Advance(TimeSpan.FromHours(1));
        var acks = await Task.WhenAll(pending);
        Assert.True(acks.Count(a => a.BytesMoved > 0) >= 5, $"{acks.Count(a => a.BytesMoved > 0)} moves moved memory");
        AssertAccounting(b, ids);
    }

    /// <summary>Every page count the model keeps: each task's (by id, null when not running), each card's and the host's.</summary>
    private static string Pages(SimulatedGpuBackend b, IEnumerable<string> ids) =>
        string.Join("; ", ids.Select(id => b.GetTask(id) is { } t
                ? $"{id}: {t.Generation} {t.Paused} {t.PagesPerCard} {t.ResidentPages}/{t.HostPages}/{t.TransitPages}"
                : $"{id}: -")
            .Concat(Enumerable.Range(0, 2).Select(c => $"card {c}: {b.GetCard(c).ResidentPages} [{string.Join(",", b.GetCard(c).Tasks)}]"))
            .Append($"host: {b.HostPagesInUse}"));

    private static void AssertAccounting(SimulatedGpuBackend b, List<string> ids)
    {
        var host = 0L;
        var perCard = new long[2];
        foreach (var id in ids)
        {
            if (b.GetTask(id) is not { } t)
            {
                continue;
            }

            Assert.Equal(t.PagesPerCard, t.ResidentPages + t.HostPages + t.TransitPages);
            Assert.True(t.ResidentPages >= 0 && t.HostPages >= 0 && t.TransitPages >= 0);
            host += t.HostPages + t.TransitPages;
            var card = b.GetCard(0).Tasks.Contains(id) ? 0 : 1;
            perCard[card] += t.ResidentPages + t.TransitPages;
        }

        Assert.Equal(host, b.HostPagesInUse);
        Assert.InRange(b.HostPagesInUse, 0, b.HostBudgetPages);
        for (var c = 0; c < 2; c++)
        {
            Assert.Equal(perCard[c], b.GetCard(c).ResidentPages);
            Assert.InRange(b.GetCard(c).ResidentPages, 0, b.GetCard(c).TotalPages);
        }
    }
}
