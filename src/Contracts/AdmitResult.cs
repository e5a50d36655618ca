using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A tenant's answer to a new task: the outcome, and for a refusal or a wait, which limits and why.</summary>
/// <param name="Outcome">Admitted, refused, waiting or borrowed.</param>
/// <param name="Errors">Each limit in the way, naming its field; empty when admitted.</param>
/// <param name="Admits">
/// For a dry run of several tasks (a job array): how many of them the quota would admit now, in a row; null otherwise.
/// </param>
[GenerateSerializer, Alias("orion.AdmitResult"), Immutable]
public sealed record AdmitResult(
    [property: Id(0)] AdmitOutcome Outcome,
    [property: Id(1)] ImmutableArray<ValidationError> Errors,
    [property: Id(2)] int? Admits = null)
{
    /// <summary>Admitted.</summary>
    public static readonly AdmitResult Admitted = new(AdmitOutcome.Admitted, []);

    /// <summary>Admitted on borrowed room.</summary>
    public static readonly AdmitResult Borrowed = new(AdmitOutcome.Borrowed, []);
}
