using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// An operator's change to a node's labels or taints, made live (<c>orion label</c>, <c>orion taint</c>) and kept in
/// storage, over what the node's daemon gives at registration: an operator's mark wins over the daemon's of the same key.
/// </summary>
/// <param name="Set">Labels or taints to set, <c>key=value</c> (<see cref="NodeLabels"/> rules; a taint's value may end in <see cref="NodeTaints.SoftSuffix"/>); null for none.</param>
/// <param name="Remove">Keys of the operator's labels or taints to take off; a key the daemon sets is refused (change its flags instead).</param>
[GenerateSerializer, Alias("orion.NodeMarks"), Immutable]
public sealed record NodeMarks(
    [property: Id(0)] ImmutableDictionary<string, string>? Set = null,
    [property: Id(1)] ImmutableArray<string> Remove = default)
{
    /// <summary>
    /// Marks written <c>key=value</c> to set and <c>key-</c> to remove (as <c>kubectl label</c>): the change, or the first
    /// error naming <paramref name="what"/> and the rule.
    /// </summary>
    /// <param name="items">The marks as written.</param>
    /// <param name="what">The command or flag, as errors name it.</param>
    /// <param name="taints">Taints: a value may end in <see cref="NodeTaints.SoftSuffix"/>.</param>
    public static (NodeMarks Marks, string? Error) Parse(IEnumerable<string> items, string what, bool taints = false)
    {
        var (set, remove) = (new List<string>(), ImmutableArray.CreateBuilder<string>());
        foreach (var item in items)
        {
            if (item.EndsWith('-') && !item.Contains('=', StringComparison.Ordinal))
            {
                var key = item[..^1];
                if (!NodeLabels.IsValidKey(key))
                {
                    return (new(), $"{what}: key '{key}' {NodeLabels.KeyRule}");
                }

                remove.Add(key);
            }
            else
            {
                set.Add(item);
            }
        }

        var (labels, error) = taints ? NodeTaints.Parse(set, what) : NodeLabels.Parse(set, what);
        if (error is null && remove.FirstOrDefault(labels.ContainsKey) is { } both)
        {
            error = $"{what}: {both} is both set and removed";
        }

        return error is not null ? (new(), error)
            : set.Count + remove.Count == 0 ? (new(), $"{what}: give key=value to set or key- to remove")
            : (new(labels.IsEmpty ? null : labels, remove.ToImmutable()), null);
    }
}
