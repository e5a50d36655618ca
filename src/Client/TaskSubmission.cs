using Orion.Contracts;

namespace Orion.Client;

/// <summary>One task of a <see cref="OrionClient.SubmitManyAsync"/> call.</summary>
/// <param name="Spec">What to run.</param>
/// <param name="TaskId">The id to give the task; a new unique one when null.</param>
public sealed record TaskSubmission(TaskSpec Spec, string? TaskId = null);
