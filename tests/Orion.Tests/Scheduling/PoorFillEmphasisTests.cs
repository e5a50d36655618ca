using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class PoorFillEmphasisTests
{
    private static readonly FragmentationScoring Plain = FragmentationScoring.Orion with { PoorFillEmphasis = 0 };

    [Fact]
    public void A_shape_that_leaves_waste_on_its_card_weighs_more_by_the_inverse_of_its_fill()
    {
        // Only 600-milli tasks: one fills 600 of a card and the 400 left is lost, so e = 0.6.
        var mix = WorkloadMix.FromRequests([Slice(600)]);
        var shape = mix.Shapes[0].Shape;
        var scoring = FragmentationScoring.Orion with { PoorFillEmphasis = 2 };
        Assert.Equal(0.5 / (0.6 * 0.6), scoring.Weight(shape, 0.5, mix.Waste), precision: 12);
    }

    [Fact]
    public void Shapes_that_fill_their_cards_whole_tasks_and_a_missing_table_keep_their_popularity()
    {
        // 500-milli tasks pair up to fill a card (e = 1).
        var halves = WorkloadMix.FromRequests([Slice(500)]);
        Assert.Equal(0.3, FragmentationScoring.Orion.Weight(halves.Shapes[0].Shape, 0.3, halves.Waste));

        var mixed = WorkloadMix.FromRequests([Slice(600), Whole(2), new(0, 0, 0, 4000, 8192, [])], coverage: 1.0);
        foreach (var (shape, _) in mixed.Shapes.Where(s => s.Shape.GpuCount != 1))
        {
            Assert.Equal(0.3, FragmentationScoring.Orion.Weight(shape, 0.3, mixed.Waste));
        }

        var slice = mixed.Shapes.Single(s => s.Shape.GpuCount == 1).Shape;
        Assert.True(FragmentationScoring.Orion.Weight(slice, 0.3, mixed.Waste) > 0.3);
        Assert.Equal(0.3, FragmentationScoring.Orion.Weight(slice, 0.3, null));
        Assert.Equal(0.3, Plain.Weight(slice, 0.3, mixed.Waste));
    }

    [Fact]
    public void A_small_task_fills_a_partly_used_card_and_keeps_the_idle_card_for_the_task_that_fits_nothing_else()
    {
        // Mostly 470s, a few 230s and one 810 in eleven. x: an idle card; y: a card holding a 470 (530 free).
        var mix = WorkloadMix.FromRequests(
            [Slice(810), .. Enumerable.Repeat(Slice(470), 8), .. Enumerable.Repeat(Slice(230), 2)], coverage: 1.0);

        string Pick(FragmentationScoring scoring)
        {
            var x = Node("x", gpus: 1);
            var y = Node("y", gpus: 1);
            Use(y, 0, 470);
            return new FragmentationAwarePolicy(mix, scoring).Choose(Of(x, y), Slice(230))!.Node.Id;
        }

        // By popularity alone y stays free for the next 470 and the 230 breaks the idle card, which only an 810 could
        // have used well (810 + 190 lost): an 810 then fits nowhere.
        Assert.Equal("x", Pick(Plain));

        // Weighted by fill, the 810 (e = 0.81) keeps its card and the 230 pairs with the 470.
        Assert.Equal("y", Pick(FragmentationScoring.Orion));
    }

    [Fact]
    public void A_mix_whose_sharing_shapes_would_outweigh_its_whole_card_shapes_past_the_bound_is_weighed_with_less_emphasis()
    {
        // 230s start cards badly (what is left mostly strands), so at k = 14 they weigh hundreds of times their popularity.
        var mix = WorkloadMix.FromRequests(
            [.. Enumerable.Repeat(Slice(230), 3), .. Enumerable.Repeat(Slice(810), 3), Slice(470), Whole(1), Whole(1)], coverage: 1.0);
        var waste = mix.Waste;
        var unbounded = FragmentationScoring.Orion with { MaxSharingLift = 0 };
        double Lift(double k) =>
            mix.Shapes.Where(s => s.Shape.GpuCount == 1 && s.Shape.ComputeMilli < 1000).Sum(s => FragmentationScoring.Weight(s.Shape, s.Weight, waste, k))
            / mix.Shapes.Where(s => s.Shape.ComputeMilli >= 1000).Sum(s => s.Weight);
        Assert.True(Lift(14) > 30);
        Assert.Equal(14, unbounded.EffectiveEmphasis(mix, waste));

        var k = FragmentationScoring.Orion.EffectiveEmphasis(mix, waste);
        Assert.InRange(k, 0.1, 13.9);
        Assert.Equal(30, Lift(k), precision: 6);

        // The mix's weights are taken with that emphasis, the whole-card shapes' untouched.
        var weights = FragmentationScoring.Orion.Weights(mix, waste);
        for (var i = 0; i < mix.Shapes.Count; i++)
        {
            Assert.Equal(FragmentationScoring.Weight(mix.Shapes[i].Shape, mix.Shapes[i].Weight, waste, k), weights[i], precision: 12);
        }
    }

    [Fact]
    public void A_mix_within_the_bound_or_without_whole_card_shapes_keeps_its_emphasis()
    {
        var sharingOnly = WorkloadMix.FromRequests([.. Enumerable.Repeat(Slice(230), 3), Slice(810)], coverage: 1.0);
        Assert.Equal(14, FragmentationScoring.Orion.EffectiveEmphasis(sharingOnly, sharingOnly.Waste));

        // Mostly whole cards: the sharing shapes' lift stays under the bound.
        var mostlyWhole = WorkloadMix.FromRequests([Slice(600), .. Enumerable.Repeat(Whole(1), 30)], coverage: 1.0);
        Assert.Equal(14, FragmentationScoring.Orion.EffectiveEmphasis(mostlyWhole, mostlyWhole.Waste));
        Assert.Equal(14, FragmentationScoring.Orion.EffectiveEmphasis(mostlyWhole, null));
    }
}
