using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// One rule of a task's node affinity over a node's labels, written as Kubernetes' set-based label selectors:
/// <c>zone in (a, b)</c>, <c>zone notin (c)</c>, <c>zone=a</c>, <c>zone!=c</c>, <c>fabric</c> (the label exists),
/// <c>!flaky</c> (it does not). A node without the key matches <c>notin</c>, <c>!=</c> and <c>!key</c> only.
/// </summary>
/// <param name="Key">The label's key.</param>
/// <param name="Operator">What the label's value must be.</param>
/// <param name="Values">The values <see cref="NodeRequirementOperator.In"/> and <see cref="NodeRequirementOperator.NotIn"/> name.</param>
public sealed record NodeRequirement(string Key, NodeRequirementOperator Operator, ImmutableArray<string> Values)
{
    /// <summary>The rule for one requirement, as errors say it.</summary>
    public const string Rule = "must be key in (v1, v2), key notin (v1), key=value, key!=value, key or !key, with the rules of node labels";

    /// <summary>Whether a node with <paramref name="labels"/> meets the requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        var has = labels is not null && labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            NodeRequirementOperator.Exists => has,
            NodeRequirementOperator.DoesNotExist => !has,
            NodeRequirementOperator.In => has && Values.Contains(labels![Key], StringComparer.Ordinal),
            _ => !has || !Values.Contains(labels![Key], StringComparer.Ordinal),
        };
    }

    /// <summary>The requirement as written canonically (<c>zone in (a,b)</c>).</summary>
    public override string ToString() => Operator switch
    {
        NodeRequirementOperator.Exists => Key,
        NodeRequirementOperator.DoesNotExist => "!" + Key,
        NodeRequirementOperator.In when Values.Length == 1 => $"{Key}={Values[0]}",
        NodeRequirementOperator.NotIn when Values.Length == 1 => $"{Key}!={Values[0]}",
        NodeRequirementOperator.In => $"{Key} in ({string.Join(",", Values)})",
        _ => $"{Key} notin ({string.Join(",", Values)})",
    };

    /// <summary>Reads one requirement; null when <paramref name="text"/> breaks <see cref="Rule"/>.</summary>
    public static NodeRequirement? Parse(string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }

        if (t[0] == '!')
        {
            return Of(t[1..].Trim(), NodeRequirementOperator.DoesNotExist, []);
        }

        if (t.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0)
        {
            return Of(t[..ne].Trim(), NodeRequirementOperator.NotIn, [t[(ne + 2)..].Trim()]);
        }

        if (t.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
        {
            var value = t[(eq + 1)..];
            return Of(t[..eq].Trim(), NodeRequirementOperator.In, [(value.StartsWith('=') ? value[1..] : value).Trim()]);
        }

        var open = t.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return Of(t, NodeRequirementOperator.Exists, []);
        }

        if (!t.EndsWith(')'))
        {
            return null;
        }

        var head = t[..open].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var op = head is [_, var word] ? word switch { "in" => NodeRequirementOperator.In, "notin" => NodeRequirementOperator.NotIn, _ => (NodeRequirementOperator?)null } : null;
        var values = t[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries);
        return op is { } found && values.Length > 0 && values.All(v => v.Length > 0) ? Of(head[0], found, [.. values.Distinct(StringComparer.Ordinal)]) : null;
    }

    private static NodeRequirement? Of(string key, NodeRequirementOperator op, ImmutableArray<string> values) =>
        NodeLabels.IsValidKey(key) && values.All(NodeLabels.IsValidValue) ? new NodeRequirement(key, op, values) : null;

    /// <summary>Each requirement of <paramref name="affinity"/> that breaks <see cref="Rule"/>, as (field, rule) under <paramref name="field"/>.</summary>
    public static ImmutableArray<ValidationError> Check(IReadOnlyList<string>? affinity, string field) =>
        NodeLabels.CheckEach(affinity, field, "requirements", t => Parse(t) is not null, Rule);
}
