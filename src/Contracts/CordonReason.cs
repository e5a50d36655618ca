namespace Orion.Contracts;

/// <summary>What the reason of a node's cordon may be: shown beside the node wherever it is listed.</summary>
public static class CordonReason
{
    /// <summary>The longest reason.</summary>
    public const int MaxLength = 200;

    /// <summary>The rule, as errors say it.</summary>
    public const string Rule = "must be 1 to 200 characters, not blank";

    /// <summary>Whether <paramref name="reason"/> keeps <see cref="Rule"/>.</summary>
    public static bool IsValid(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Length <= MaxLength;
}
