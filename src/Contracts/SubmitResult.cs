using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The answer to a submit: the status when accepted, else every broken rule.</summary>
/// <param name="Status">The task's status; null when rejected.</param>
/// <param name="Errors">Broken rules; empty when accepted.</param>
[GenerateSerializer, Alias("orion.SubmitResult"), Immutable]
public sealed record SubmitResult(
    [property: Id(0)] VGpuTaskStatus? Status,
    [property: Id(1)] ImmutableArray<ValidationError> Errors)
{
    /// <summary>True when the spec was accepted.</summary>
    public bool Accepted => Status is not null && Errors.IsDefaultOrEmpty;

    /// <summary>An accepted submit.</summary>
    public static SubmitResult Ok(VGpuTaskStatus status) => new(status, ImmutableArray<ValidationError>.Empty);

    /// <summary>A rejected submit.</summary>
    public static SubmitResult Rejected(ImmutableArray<ValidationError> errors) => new(null, errors);
}
