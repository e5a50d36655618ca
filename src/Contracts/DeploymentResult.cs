using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The answer to a change of a deployment: its status when accepted, else every broken rule.</summary>
/// <param name="Status">The deployment's status; null when rejected.</param>
/// <param name="Errors">Broken rules; empty when accepted.</param>
[GenerateSerializer, Alias("orion.DeploymentResult"), Immutable]
public sealed record DeploymentResult(
    [property: Id(0)] DeploymentStatus? Status,
    [property: Id(1)] ImmutableArray<ValidationError> Errors)
{
    /// <summary>True when the change was accepted.</summary>
    public bool Accepted => Status is not null && Errors.IsDefaultOrEmpty;

    /// <summary>An accepted change.</summary>
    public static DeploymentResult Ok(DeploymentStatus status) => new(status, ImmutableArray<ValidationError>.Empty);

    /// <summary>A rejected change.</summary>
    public static DeploymentResult Rejected(ImmutableArray<ValidationError> errors) => new(null, errors);
}
