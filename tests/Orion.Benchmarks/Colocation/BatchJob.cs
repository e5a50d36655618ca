namespace Orion.Benchmarks.Colocation;

/// <summary>A nightly offline batch: work to finish inside its window.</summary>
/// <param name="Name">Its name.</param>
/// <param name="ShareMilli">Its compute share.</param>
/// <param name="MemoryMiB">Its GPU memory.</param>
/// <param name="WorkCardHours">Work in hours of a whole reference card.</param>
/// <param name="WindowStartHour">When its window opens.</param>
/// <param name="WindowHours">How long it stays open.</param>
public sealed record BatchJob(string Name, int ShareMilli, long MemoryMiB, double WorkCardHours, double WindowStartHour, double WindowHours)
{
    public bool InWindow(double hour) => ((hour - WindowStartHour + 24) % 24) < WindowHours;
}
