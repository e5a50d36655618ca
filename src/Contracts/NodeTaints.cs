using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// A node's taints keep work off it that does not say it may run there: a node kept for training, for one team, or for
/// cards under test. A taint is a label (<c>key=value</c>, as <see cref="NodeLabels"/>) set by the node's daemon
/// (<c>--taint dedicated=training</c>); a task runs on a tainted node only if its
/// <see cref="PlacementConstraints.Tolerations"/> tolerate every taint there, each as <c>key=value</c> or <c>key</c> (any value).
/// A taint whose value ends in <see cref="SoftSuffix"/> (<c>--taint spot=yes:PreferNoSchedule</c>, as Kubernetes'
/// effect) only keeps such work off while other nodes have room: a task that does not tolerate it goes there last.
/// </summary>
public static class NodeTaints
{
    /// <summary>The rule for a toleration, as errors say it.</summary>
    public const string TolerationRule = "must be key=value or key (any value of it), with the rules of node labels";

    /// <summary>What ends a soft taint's value: work that does not tolerate it goes elsewhere while it can.</summary>
    public const string SoftSuffix = ":PreferNoSchedule";

    /// <summary>The rule for a taint's value, as errors say it.</summary>
    public const string ValueRule = NodeLabels.ValueRule + ", then optionally " + SoftSuffix;

    /// <summary>Whether a taint's value makes it soft (<see cref="SoftSuffix"/>).</summary>
    public static bool IsSoft(string value) => value.EndsWith(SoftSuffix, StringComparison.Ordinal);

    /// <summary>Whether any of <paramref name="taints"/> is soft.</summary>
    public static bool AnySoft(IReadOnlyDictionary<string, string>? taints) => taints is not null && taints.Values.Any(IsSoft);

    /// <summary>
    /// Whether <paramref name="tolerations"/> tolerate every one of <paramref name="taints"/> that keeps work off: the
    /// hard ones, and the soft ones too when <paramref name="soft"/>.
    /// </summary>
    public static bool Tolerates(IReadOnlyDictionary<string, string>? taints, IReadOnlyList<string>? tolerations, bool soft = false)
    {
        if (taints is null || taints.Count == 0)
        {
            return true;
        }

        foreach (var (key, value) in taints)
        {
            if ((soft || !IsSoft(value)) && Untolerated(key, value, tolerations))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The hard taints of <paramref name="taints"/> (and the soft ones when <paramref name="soft"/>) that
    /// <paramref name="tolerations"/> do not tolerate, as <c>key=value</c>, in key order.
    /// </summary>
    public static IEnumerable<string> NotTolerated(IReadOnlyDictionary<string, string>? taints, IReadOnlyList<string>? tolerations, bool soft = false) =>
        (taints ?? ImmutableDictionary<string, string>.Empty)
            .Where(t => (soft || !IsSoft(t.Value)) && Untolerated(t.Key, t.Value, tolerations))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key}={t.Value}");

    /// <summary>Each broken rule of a node's taints, under <paramref name="field"/>: keys and values as labels', a value optionally soft.</summary>
    public static ImmutableArray<ValidationError> Check(IReadOnlyDictionary<string, string>? taints, string field) =>
        NodeLabels.Check(taints, field, value => NodeLabels.IsValidValue(Plain(value)), ValueRule);

    /// <summary>Taints written <c>key=value</c> or <c>key=value:PreferNoSchedule</c>, as <see cref="NodeLabels.Parse"/> reads labels.</summary>
    public static (ImmutableDictionary<string, string> Taints, string? Error) Parse(IEnumerable<string> pairs, string flag)
    {
        var soft = new HashSet<string>(StringComparer.Ordinal);
        var plain = new List<string>();
        foreach (var pair in pairs)
        {
            if (IsSoft(pair))
            {
                plain.Add(pair[..^SoftSuffix.Length]);
                soft.Add(pair[..Math.Max(0, pair.IndexOf('=', StringComparison.Ordinal))]);
            }
            else
            {
                plain.Add(pair);
            }
        }

        var (labels, error) = NodeLabels.Parse(plain, flag);
        return error is not null ? ([], error) : (labels.ToImmutableDictionary(l => l.Key, l => soft.Contains(l.Key) ? l.Value + SoftSuffix : l.Value, StringComparer.Ordinal), null);
    }

    /// <summary>A taint's value without its effect.</summary>
    private static string Plain(string value) => IsSoft(value) ? value[..^SoftSuffix.Length] : value;

    private static bool Untolerated(string key, string value, IReadOnlyList<string>? tolerations)
    {
        value = Plain(value);
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
