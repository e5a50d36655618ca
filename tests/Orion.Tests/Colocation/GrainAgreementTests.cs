using Orion.Benchmarks.Colocation;

namespace Orion.Tests.Colocation;

/// <summary>
/// The colocation benchmark's minute-step model against the real grains and simulated GPUs on one small evening, four
/// cards: two services whose tail traffic pauses two batches beside them (their memory and both batches overfill the
/// device by 4 GiB, so with every busy spell that much moves between a paused batch and the colder service), two 70 GB
/// training jobs on a card each, and three batches on a card whose memory holds two. Both sides must agree within the
/// benchmark's stated tolerances.
/// </summary>
public sealed class GrainAgreementTests
{
    public static ColocationWorkload Evening() => new(
        [
            new OnlineService("svc-a", 600, 16_384, 40, 5, 14),
            new OnlineService("svc-b", 300, 8_192, 20, 5, 14),
        ],
        [.. Enumerable.Range(0, 5).Select(i => new BatchJob($"batch-{i}", 500, 30_720, 0.5, 22, 4))],
        [new TrainingJob("train-0", 70_000, 24), new TrainingJob("train-1", 70_000, 24)]);

    [Fact]
    public async Task The_model_and_the_grains_agree_on_progress_moves_and_pauses_over_an_evening()
    {
        var agreement = await ColocationBenchmark.CompareWithGrainsAsync(Evening(), 0, cards: 4, 0.5, 21.75, 2.5, null);

        var differing = agreement.Rows.Where(r => !r.Within).Select(r => $"{r.Quantity}: model {r.Model}, grains {r.Grains}").ToList();
        Assert.True(differing.Count == 0, string.Join("; ", differing));

        // The scenario exercises what is compared: batches finish, memory moves, online work pauses a batch.
        Assert.Equal(5, agreement.Rows.Single(r => r.Quantity == "batch-0..batch-4 finished").Model);
        Assert.True(agreement.Rows.Single(r => r.Quantity == "memory moves").Model >= 2);
        Assert.True(agreement.Rows.Single(r => r.Quantity == "pauses for online work").Model >= 10);
    }
}
