using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class FragmentationMeasureTests
{
    [Fact]
    public void Free_compute_a_shape_cannot_use_is_its_fragment()
    {
        var n = Node("n", gpus: 3);
        Use(n, 0, 800);   // 200 free
        Use(n, 1, 500);   // 500 free; card 2 idle (1000)

        Assert.Equal(200, FragmentationMeasure.Fragment(n, Slice(300)));
        Assert.Equal(200 + 500, FragmentationMeasure.Fragment(n, Slice(600)));
        Assert.Equal(0, FragmentationMeasure.Fragment(n, Slice(100)));

        // Whole cards: only the idle card serves; two are wanted, so everything free is stranded.
        Assert.Equal(700, FragmentationMeasure.Fragment(n, Whole(1) with { GpuCount = 1, GpuMemoryMiB = 0 }));
        Assert.Equal(1700, FragmentationMeasure.Fragment(n, Whole(2)));

        // A shape whose host needs do not fit strands every free card.
        Assert.Equal(1700, FragmentationMeasure.Fragment(n, Slice(100, cpu: 100_000)));
        Assert.Equal(1700, FragmentationMeasure.Fragment(n, Slice(100, models: ["T4-16GB"])));
    }

    [Fact]
    public void Expected_fragment_weights_shapes_by_popularity()
    {
        var n = Node("n", gpus: 1);
        Use(n, 0, 700);   // 300 free
        var mix = WorkloadMix.FromRequests([Slice(500), Slice(500), Slice(500), Slice(100)], coverage: 1.0);
        Assert.Equal(0.75 * 300, FragmentationMeasure.Expected(n, mix), 6);
    }

    [Fact]
    public void Mix_keeps_the_popular_shapes_that_cover_the_share()
    {
        var requests = Enumerable.Repeat(Slice(500), 90).Concat(Enumerable.Repeat(Slice(250), 6)).Concat(Enumerable.Repeat(Slice(100), 4));
        var mix = WorkloadMix.FromRequests(requests, coverage: 0.95);
        Assert.Equal([500, 250], mix.Shapes.Select(s => s.Shape.ComputeMilli));
        Assert.Equal(1.0, mix.Shapes.Sum(s => s.Weight), 9);
    }

    [Fact]
    public void Host_aware_fragment_counts_only_the_cards_the_host_has_cpu_and_memory_left_to_use()
    {
        // Four idle cards, but CPU for only two more 4-core tasks: two cards are stranded for that shape.
        var n = Node("n", gpus: 4, cpu: 9000, memory: 262_144);
        Assert.Equal(0, FragmentationMeasure.Fragment(n, Slice(500, cpu: 4000)));
        Assert.Equal(2000, FragmentationMeasure.HostAwareFragment(n, Slice(500, cpu: 4000)));

        // Memory caps it the same way; a shape that fits neither strands everything.
        Assert.Equal(3000, FragmentationMeasure.HostAwareFragment(n, Slice(500, cpu: 0, hostMemory: 200_000)));
        Assert.Equal(4000, FragmentationMeasure.HostAwareFragment(n, Slice(500, cpu: 10_000)));

        // The host's tasks go to the fullest usable cards.
        Use(n, 0, 300);   // 700 free
        Use(n, 1, 800);   // 200 free: unusable for 500 either way
        Assert.Equal(2900 - 2000, FragmentationMeasure.HostAwareFragment(n, Slice(500, cpu: 4000)));

        // Whole cards: two idle cards and CPU for two tasks of one card each, or one task of two.
        Assert.Equal(900, FragmentationMeasure.HostAwareFragment(n, Whole(1, cpu: 4000) with { GpuCount = 1, GpuMemoryMiB = 0 }));
        Assert.Equal(900, FragmentationMeasure.HostAwareFragment(n, Whole(2, cpu: 4000)));
        Assert.Equal(2900, FragmentationMeasure.HostAwareFragment(n, Whole(2, cpu: 9500)));
    }
}
