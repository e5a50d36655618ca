namespace Orion.Contracts;

/// <summary>One broken rule of a spec: the field and the rule it breaks.</summary>
/// <param name="Field">The field's path, e.g. <c>resources.computePercent</c>.</param>
/// <param name="Rule">The rule, phrased to follow the field, e.g. <c>must be in (0, 100] when resources.gpuCount is 1</c>.</param>
[GenerateSerializer, Alias("orion.ValidationError"), Immutable]
public sealed record ValidationError(
    [property: Id(0)] string Field,
    [property: Id(1)] string Rule)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field} {Rule}";
}
