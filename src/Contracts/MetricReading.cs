namespace Orion.Contracts;

/// <summary>What a node daemon read of a replica's <see cref="ScaleMetric"/>: the sum of the samples it matched, or why there is none.</summary>
/// <param name="Value">The sum of the matching samples (a counter's total for a rate); null when not read.</param>
/// <param name="Failure">Why it was not read, in words (<c>GET :8000/metrics answered 404</c>, <c>no sample of x</c>); null when read.</param>
[GenerateSerializer, Alias("orion.MetricReading"), Immutable]
public sealed record MetricReading(
    [property: Id(0)] double? Value,
    [property: Id(1)] string? Failure = null)
{
    /// <summary>A value read.</summary>
    public static MetricReading Of(double value) => new(value);

    /// <summary>No value, for <paramref name="why"/>.</summary>
    public static MetricReading Failed(string why) => new(null, why);
}
