namespace Orion.Benchmarks.Preemption;

/// <summary>The benchmark's JSON output.</summary>
public sealed record PreemptionResult(
    double P50Us,
    double P99Us,
    double MaxUs,
    double MeanUs,
    double FloorP50Us,
    double FloorP99Us,
    double FloorMaxUs,
    int Transitions,
    int Warmup,
    long OfflinePauses,
    string Daemon,
    string Machine);
