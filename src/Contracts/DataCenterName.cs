namespace Orion.Contracts;

/// <summary>
/// What a data-centre name may be. It is part of node, card and scheduler grain keys (<c>dc/node/index</c>) and is
/// compared exactly, so a slash or a second spelling of one name ("DC1" beside "dc1") would make a data centre
/// no node reports to, where tasks wait for ever.
/// </summary>
public static class DataCenterName
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 63;

    /// <summary>The rule, as errors say it.</summary>
    public const string Rule = "must be 1 to 63 characters of lower-case letters, digits, '-', '_' or '.'";

    /// <summary>Whether <paramref name="name"/> keeps <see cref="Rule"/>.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');
}
