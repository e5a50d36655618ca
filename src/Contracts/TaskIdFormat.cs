namespace Orion.Contracts;

/// <summary>
/// What a task id may be. It is the task grain's key, a Redis key, a path segment of <c>/api/tasks/{id}</c>, part of
/// the task's log file name and of its processes' environment, and a column in every listing: a slash, a space, a
/// control character or a megabyte of text would break one of those.
/// </summary>
public static class TaskIdFormat
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 128;

    /// <summary>The rule, as errors say it.</summary>
    public const string Rule = "must be " + Form;

    /// <summary>The rule where null asks for a new id, as errors say it.</summary>
    public const string RuleOrNull = "must be null (a new id) or " + Form;

    private const string Form = "1 to 128 characters of letters, digits, '-', '_' or '.'";

    /// <summary>Whether <paramref name="id"/> keeps <see cref="Rule"/>.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
