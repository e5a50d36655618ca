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
}
