namespace Orion.Benchmarks.Trace;

/// <summary>One policy's line of the benchmark's JSON file: means over the seeds.</summary>
/// <param name="Trace">The pod file replayed (its name without the extension).</param>
/// <param name="Policy">The policy's benchmark name.</param>
/// <param name="Allocation">Mean GPU allocation ratio (%) by arrived workload (%), keys "50".."130".</param>
/// <param name="FragmentationRate">Mean fragmentation rate (%) by arrived workload (%).</param>
/// <param name="Ceiling">Mean of the most any placement of the sharing pods this policy placed could allocate (%), by arrived workload (%) (<see cref="PairingCeiling"/>).</param>
/// <param name="PlacementsPerSecond">Pods decided (placed or failed) per second of placement time, over all seeds.</param>
/// <param name="Seeds">Seeds replayed.</param>
/// <param name="FailedPods">Mean pods that failed per seed.</param>
/// <param name="IdleCards">Mean free GPU (%) on cards no pod holds, by arrived workload (%).</param>
/// <param name="Crumbs">Mean free GPU (%) on cards pods hold in part, by arrived workload (%); allocation + idle cards + crumbs = 100.</param>
/// <param name="PackedCrumbs">Mean crumbs (%) the same sharing pods would leave packed offline, best-fit decreasing (<see cref="OfflinePacking"/>).</param>
public sealed record PolicyResult(
    string Trace,
    string Policy,
    SortedDictionary<string, double> Allocation,
    SortedDictionary<string, double> FragmentationRate,
    SortedDictionary<string, double> Ceiling,
    double PlacementsPerSecond,
    int Seeds,
    double FailedPods,
    SortedDictionary<string, double> IdleCards,
    SortedDictionary<string, double> Crumbs,
    SortedDictionary<string, double> PackedCrumbs);
