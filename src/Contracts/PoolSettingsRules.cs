using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The rules of the pool's settings, live (<see cref="PoolSettings"/>) or in a silo's configuration at start.</summary>
public static class PoolSettingsRules
{
    /// <summary>The placement policies a pool may use, by name.</summary>
    public static ImmutableArray<string> PolicyNames { get; } = ["random", "spread", "dot-product", "gpu-packing", "best-fit", "fragmentation"];

    /// <summary>The policy rule, as errors say it.</summary>
    public static string PolicyRule => $"must be one of {string.Join(", ", PolicyNames)}";

    /// <summary>The compute oversubscription rule.</summary>
    public const string ComputeRule = "must be at least 1 (a whole card) and at most 100";

    /// <summary>The memory oversubscription rule.</summary>
    public const string MemoryRule = "must be at least 1 (the device) and at most 100";

    /// <summary>Whether <paramref name="policy"/> names a policy (any case).</summary>
    public static bool IsPolicy(string? policy) => PolicyNames.Contains(policy ?? "", StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="factor"/> keeps the oversubscription rules.</summary>
    public static bool IsOversubscription(double factor) => double.IsFinite(factor) && factor is >= 1 and <= 100;

    /// <summary>Each limit of a default quota that breaks its rule, naming its field; a weight is refused (each tenant keeps its own).</summary>
    public static ImmutableArray<ValidationError> CheckDefaultQuota(TenantQuota? quota) =>
        quota is null ? []
        : quota.Weight is not null ? [.. quota.Validate(), new ValidationError("quota.weight", "is each tenant's own: a default quota has none")]
        : quota.Validate();

    /// <summary>Each value given (null: not given) that breaks its rule, naming its field; empty when all may be used.</summary>
    public static ImmutableArray<ValidationError> Check(
        string? policy, double? computeOversubscription, double? memoryOversubscription, TimeSpan? fairShareHalfLife = null)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (policy is not null && !IsPolicy(policy))
        {
            errors.Add(new("policy", $"{PolicyRule}, not '{policy}'"));
        }

        if (computeOversubscription is { } compute && !IsOversubscription(compute))
        {
            errors.Add(new("computeOversubscription", $"{ComputeRule}, not '{compute}'"));
        }

        if (memoryOversubscription is { } memory && !IsOversubscription(memory))
        {
            errors.Add(new("memoryOversubscription", $"{MemoryRule}, not '{memory}'"));
        }

        if (fairShareHalfLife is { } halfLife && !FairShare.IsHalfLife(halfLife))
        {
            errors.Add(new("fairShareHalfLife", $"{FairShare.HalfLifeRule}, not '{Durations.Format(halfLife)}'"));
        }

        return errors.ToImmutable();
    }
}
