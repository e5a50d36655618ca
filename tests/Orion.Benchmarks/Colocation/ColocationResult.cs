namespace Orion.Benchmarks.Colocation;

/// <summary>The benchmark's JSON output.</summary>
public sealed record ColocationResult(
    int DedicatedGpus,
    int SlicingGpus,
    int OrionGpus,
    double GpuReduction,
    double OnlineP99RatioVsDedicated,
    double DedicatedOnlineP99Ms,
    double OrionOnlineP99Ms,
    double DedicatedMeanUtilization,
    double OrionMeanUtilization,
    double OfflineCardHoursDedicated,
    double OfflineCardHoursOrion,
    double TrainingCardHoursDedicated,
    double TrainingCardHoursOrion,
    int MemoryMovesPerDay,
    double GiBMovedPerDay,
    int Services,
    int Batches,
    int Trainings,
    int Seed)
{
    /// <summary>The fewest Orion cards that also give training the card-hours dedicated cards give it; null when none up to the dedicated count.</summary>
    public int? OrionGpusWithAllTraining { get; init; }

    /// <summary>Dedicated cards ÷ <see cref="OrionGpusWithAllTraining"/>.</summary>
    public double? GpuReductionWithAllTraining { get; init; }

    /// <summary>The shorter run through the real grains beside the model on the same span; null when skipped.</summary>
    public GrainsAgreement? GrainsAgreement { get; init; }
}
