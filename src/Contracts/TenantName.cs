namespace Orion.Contracts;

/// <summary>What a tenant's name may be, as a task spec's tenant and a quota's key.</summary>
public static class TenantName
{
    /// <summary>The rule, as errors say it.</summary>
    public const string Rule = "must be 1 to 100 characters, not blank";

    /// <summary>Whether <paramref name="tenant"/> keeps <see cref="Rule"/>.</summary>
    public static bool IsValid(string? tenant) => !string.IsNullOrWhiteSpace(tenant) && tenant.Length <= SpecValidator.MaxNameLength;
}
