using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The rules for a process workload's environment and working directory (<see cref="WorkloadSpec"/>). Pure.</summary>
public static class ProcessEnvironment
{
    /// <summary>The rule for a variable's name, as errors say it.</summary>
    public const string NameRule = "must be a letter or _ then letters, digits or _ (at most 256), and not one the daemon sets (CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER, CUDA_MPS_*, ORION_*)";

    /// <summary>The longest value, and the longest working directory.</summary>
    public const int MaxValueLength = 4096;

    /// <summary>Whether <paramref name="name"/> may be set by a task: a shell name the daemon does not set itself for its cards and slice.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 256 }
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && !IsReserved(name);

    /// <summary>Each broken rule, under <c>workload.environment</c> and <c>workload.workingDirectory</c>.</summary>
    public static ImmutableArray<ValidationError> Check(IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (environment is { Count: > WorkloadSpec.MaxEnvironment })
        {
            errors.Add(new("workload.environment", $"must set at most {WorkloadSpec.MaxEnvironment} variables"));
        }

        foreach (var (name, value) in (environment ?? ImmutableDictionary<string, string>.Empty).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!IsValidName(name))
            {
                errors.Add(new($"workload.environment[{name}]", NameRule));
            }
            else if (value is null || value.Length > MaxValueLength || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(new($"workload.environment[{name}]", $"must be a value of at most {MaxValueLength} characters without NUL"));
            }
        }

        if (workingDirectory is not null
            && (!workingDirectory.StartsWith('/') || workingDirectory.Length > MaxValueLength || workingDirectory.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add(new("workload.workingDirectory", $"must be an absolute path (from /) of at most {MaxValueLength} characters"));
        }

        return errors.ToImmutable();
    }

    private static bool IsReserved(string name) =>
        name is "CUDA_VISIBLE_DEVICES" or "CUDA_DEVICE_ORDER"
        || name.StartsWith("CUDA_MPS_", StringComparison.Ordinal)
        || name.StartsWith("ORION_", StringComparison.Ordinal);
}
