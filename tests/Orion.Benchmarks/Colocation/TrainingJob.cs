namespace Orion.Benchmarks.Colocation;

/// <summary>A training job with a large memory footprint and a daily need of whole-card hours.</summary>
/// <param name="Name">Its name.</param>
/// <param name="MemoryMiB">Its GPU memory.</param>
/// <param name="CardHoursPerDay">Whole-card hours it needs each day.</param>
public sealed record TrainingJob(string Name, long MemoryMiB, double CardHoursPerDay);
