using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// A node's taints keep work off it that does not say it may run there: a node kept for training, for one team, or for
/// cards under test. A taint is a label (<c>key=value</c>, as <see cref="NodeLabels"/>) set by the node's daemon
/// (<c>--taint dedicated=training</c>); a task runs on a tainted node only if its
/// <see cref="PlacementConstraints.Tolerations"/> tolerate every taint there, each as <c>key=value</c> or <c>key</c> (any value).
/// </summary>
public static class NodeTaints
{
    /// <summary>The rule for a toleration, as errors say it.</summary>
    public const string TolerationRule = "must be key=value or key (any value of it), with the rules of node labels";

    /// <summary>Whether <paramref name="tolerations"/> tolerate every one of <paramref name="taints"/>.</summary>
    public static bool Tolerates(IReadOnlyDictionary<string, string>? taints, IReadOnlyList<string>? tolerations)
    {
        if (taints is null || taints.Count == 0)
        {
            return true;
        }

        if (tolerations is null || tolerations.Count == 0)
        {
            return false;
        }

        foreach (var (key, value) in taints)
        {
            if (Untolerated(key, value, tolerations))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The taints of <paramref name="taints"/> that <paramref name="tolerations"/> do not tolerate, as <c>key=value</c>, in key order.</summary>
    public static IEnumerable<string> NotTolerated(IReadOnlyDictionary<string, string>? taints, IReadOnlyList<string>? tolerations) =>
        (taints ?? ImmutableDictionary<string, string>.Empty)
            .Where(t => Untolerated(t.Key, t.Value, tolerations))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key}={t.Value}");

    private static bool Untolerated(string key, string value, IReadOnlyList<string>? tolerations)
    {
        foreach (var t in tolerations ?? [])
        {
            if (t.Length == key.Length ? string.Equals(t, key, StringComparison.Ordinal)
                : t.Length == key.Length + 1 + value.Length && t[key.Length] == '=' && t.StartsWith(key, StringComparison.Ordinal) && t.EndsWith(value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="toleration"/> keeps <see cref="TolerationRule"/>.</summary>
    public static bool IsValidToleration(string? toleration)
    {
        if (toleration is null)
        {
            return false;
        }

        var at = toleration.IndexOf('=', StringComparison.Ordinal);
        return at < 0 ? NodeLabels.IsValidKey(toleration) : NodeLabels.IsValidKey(toleration[..at]) && NodeLabels.IsValidValue(toleration[(at + 1)..]);
    }

    /// <summary>Each broken rule of <paramref name="tolerations"/>, as (field, rule) under <paramref name="field"/>.</summary>
    public static ImmutableArray<ValidationError> Check(IReadOnlyList<string>? tolerations, string field) =>
        NodeLabels.CheckEach(tolerations, field, "tolerations", IsValidToleration, TolerationRule);
}
