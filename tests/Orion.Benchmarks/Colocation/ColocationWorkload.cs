namespace Orion.Benchmarks.Colocation;

/// <summary>A day of mixed work for one team's cluster: services, nightly batches and training.</summary>
public sealed record ColocationWorkload(IReadOnlyList<OnlineService> Services, IReadOnlyList<BatchJob> Batches, IReadOnlyList<TrainingJob> Trainings)
{
    /// <summary>
    /// The standard mix: 24 services (10-40% slices, 8-24 GB, peaks 40-150 rps around midday), 8 nightly
    /// batches (2.5 card-hours each at 50%, 22:00-08:00) and 4 training jobs (70 GB) that take what they can get.
    /// </summary>
    public static ColocationWorkload Standard(int seed)
    {
        var random = new Random(seed);
        var services = Enumerable.Range(0, 24).Select(i =>
        {
            var share = 100 * random.Next(1, 5);
            var gpuMs = 2 + (random.NextDouble() * 8);

            // Peak load uses 30-60% of the slice's capacity (a latency target needs headroom).
            var rps = (0.3 + (0.3 * random.NextDouble())) * 1000 / gpuMs;
            return new OnlineService($"svc-{i:00}", share, 1024L * random.Next(8, 25), Math.Round(rps, 1), Math.Round(gpuMs, 2), 11 + (random.NextDouble() * 6));
        }).ToList();
        var batches = Enumerable.Range(0, 8).Select(i => new BatchJob($"batch-{i}", 500, 30_720, 2.5, 22, 10)).ToList();
        var trainings = Enumerable.Range(0, 4).Select(i => new TrainingJob($"train-{i}", 70_000, 24)).ToList();
        return new ColocationWorkload(services, batches, trainings);
    }
}
