using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// What a node's labels may be (set by its daemon, as <c>--label fabric=nvlink</c>), which a task's
/// <see cref="PlacementConstraints.NodeSelector"/> must all match.
/// </summary>
public static class NodeLabels
{
    /// <summary>The most labels on one node or in one selector.</summary>
    public const int MaxCount = 32;

    /// <summary>The rule for a key, as errors say it.</summary>
    public const string KeyRule = "must be 1 to 63 characters of letters, digits, '-', '_', '.' or '/', starting with a letter or digit";

    /// <summary>The rule for a value, as errors say it.</summary>
    public const string ValueRule = "must be 0 to 63 characters of letters, digits, '-', '_' or '.'";

    /// <summary>Whether <paramref name="key"/> keeps <see cref="KeyRule"/>.</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= 63 } && char.IsAsciiLetterOrDigit(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');

    /// <summary>Whether <paramref name="value"/> keeps <see cref="ValueRule"/>.</summary>
    public static bool IsValidValue(string? value) =>
        value is { Length: <= 63 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// Each broken rule of <paramref name="labels"/>, as (field, rule) under <paramref name="field"/>; values by
    /// <paramref name="validValue"/> and <paramref name="valueRule"/> when given (taints), else by <see cref="ValueRule"/>.
    /// </summary>
    public static ImmutableArray<ValidationError> Check(IReadOnlyDictionary<string, string>? labels, string field, Func<string, bool>? validValue = null, string valueRule = ValueRule)
    {
        if (labels is null)
        {
            return [];
        }

        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (labels.Count > MaxCount)
        {
            errors.Add(new(field, $"must have at most {MaxCount} labels"));
        }

        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (!IsValidKey(key))
            {
                errors.Add(new($"{field}[{key}]", $"key {KeyRule}"));
            }
            else if (!(validValue ?? IsValidValue)(value))
            {
                errors.Add(new($"{field}[{key}]", $"value {valueRule}"));
            }
        }

        return errors.ToImmutable();
    }

    /// <summary>
    /// Each entry of <paramref name="items"/> (tolerations, affinity rules: at most <see cref="MaxCount"/>) that is not
    /// <paramref name="valid"/>, as (<c>field[i]</c>, <paramref name="rule"/>).
    /// </summary>
    public static ImmutableArray<ValidationError> CheckEach(IReadOnlyList<string>? items, string field, string what, Func<string, bool> valid, string rule)
    {
        if (items is null || items.Count == 0)
        {
            return [];
        }

        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (items.Count > MaxCount)
        {
            errors.Add(new(field, $"must have at most {MaxCount} {what}"));
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (!valid(items[i]))
            {
                errors.Add(new($"{field}[{i}]", rule));
            }
        }

        return errors.ToImmutable();
    }

    /// <summary>
    /// Labels written <c>key=value</c> (a flag given again per label): the labels, or the first error, naming
    /// <paramref name="flag"/> and the rule. A key given twice is an error, not a silent override.
    /// </summary>
    public static (ImmutableDictionary<string, string> Labels, string? Error) Parse(IEnumerable<string> pairs, string flag)
    {
        var labels = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at < 0)
            {
                return ([], $"{flag}: '{pair}' is not key=value");
            }

            var (key, value) = (pair[..at], pair[(at + 1)..]);
            if (!IsValidKey(key))
            {
                return ([], $"{flag}: key '{key}' {KeyRule}");
            }

            if (!IsValidValue(value))
            {
                return ([], $"{flag}: value '{value}' of {key} {ValueRule}");
            }

            if (!labels.TryAdd(key, value))
            {
                return ([], $"{flag}: {key} is given twice");
            }
        }

        return labels.Count > MaxCount ? ([], $"{flag}: at most {MaxCount} labels") : (labels.ToImmutable(), null);
    }

    /// <summary>Whether two sets of labels are the same (null and empty alike).</summary>
    public static bool Same(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && Match(a, b);

    /// <summary>Whether <paramref name="labels"/> has every key of <paramref name="selector"/> with its value (case-sensitive).</summary>
    public static bool Match(IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string>? selector)
    {
        if (selector is null || selector.Count == 0)
        {
            return true;
        }

        if (labels is null)
        {
            return false;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var has) || !string.Equals(has, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
