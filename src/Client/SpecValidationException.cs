using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client;

/// <summary>Thrown when the pool rejects a spec; <see cref="Errors"/> names every field and broken rule. Nothing was changed.</summary>
public sealed class SpecValidationException : Exception
{
    /// <summary>Creates the exception from the pool's errors.</summary>
    public SpecValidationException(ImmutableArray<ValidationError> errors)
        : this(errors, "the task spec")
    {
    }

    /// <summary>Creates the exception from the pool's errors about <paramref name="subject"/> (such as "the deployment").</summary>
    public SpecValidationException(ImmutableArray<ValidationError> errors, string subject)
        : base($"{subject} was rejected: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>Every broken rule, each naming its field.</summary>
    public ImmutableArray<ValidationError> Errors { get; }
}
