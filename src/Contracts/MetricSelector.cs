using System.Collections.Immutable;
using System.Text;

namespace Orion.Contracts;

/// <summary>
/// Which samples of a Prometheus text page a <see cref="ScaleMetric"/> reads, from its query: a metric name, optionally
/// with label matchers (<c>vllm:num_requests_waiting{model_name="llama"}</c>, equality only), optionally in
/// <c>rate(...)</c> for a counter's increase per second. Pure.
/// </summary>
/// <param name="Name">The metric's name.</param>
/// <param name="Labels">The labels a sample must carry with these values (others it may carry are not looked at).</param>
/// <param name="Rate">Whether the value is the counter's increase per second between two reads, not the value read.</param>
public sealed record MetricSelector(string Name, ImmutableSortedDictionary<string, string> Labels, bool Rate)
{
    /// <summary>The form <see cref="Parse"/> takes, as errors say it.</summary>
    public const string Rule = "must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), optionally with label matchers {label=\"value\",...}, optionally in rate(...)";

    /// <summary>The selector of <paramref name="query"/>; null when it breaks <see cref="Rule"/>.</summary>
    public static MetricSelector? Parse(string? query)
    {
        var q = query?.Trim() ?? "";
        var rate = q.StartsWith("rate(", StringComparison.Ordinal) && q.EndsWith(')');
        if (rate)
        {
            q = q[5..^1].Trim();
        }

        var brace = q.IndexOf('{', StringComparison.Ordinal);
        var name = brace < 0 ? q : q[..brace].TrimEnd();
        if (!IsName(name, colons: true))
        {
            return null;
        }

        var labels = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (brace >= 0)
        {
            var at = brace + 1;
            if (!q.EndsWith('}') || ReadLabels(q, ref at, labels) is false || at != q.Length)
            {
                return null;
            }
        }

        return new MetricSelector(name, labels.ToImmutable(), rate);
    }

    /// <summary>
    /// Reads <c>name="value"</c> pairs from <paramref name="at"/> (just past a <c>{</c>) to past the closing <c>}</c>, as
    /// Prometheus' text format writes them (escapes <c>\\</c>, <c>\"</c>, <c>\n</c>; a trailing comma allowed). False when malformed.
    /// </summary>
    public static bool ReadLabels(string text, ref int at, IDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(labels);
        while (true)
        {
            SkipSpaces(text, ref at);
            if (at < text.Length && text[at] == '}')
            {
                at++;
                return true;
            }

            var start = at;
            while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] == '_'))
            {
                at++;
            }

            var label = text[start..at];
            SkipSpaces(text, ref at);
            if (!IsName(label, colons: false) || at >= text.Length || text[at] != '=')
            {
                return false;
            }

            at++;
            SkipSpaces(text, ref at);
            if (at >= text.Length || text[at] != '"')
            {
                return false;
            }

            at++;
            var value = new StringBuilder();
            while (true)
            {
                if (at >= text.Length)
                {
                    return false;
                }

                var c = text[at++];
                if (c == '"')
                {
                    break;
                }

                if (c == '\\')
                {
                    if (at >= text.Length)
                    {
                        return false;
                    }

                    var escaped = text[at++];
                    value.Append(escaped == 'n' ? '\n' : escaped);
                }
                else
                {
                    value.Append(c);
                }
            }

            labels[label] = value.ToString();
            SkipSpaces(text, ref at);
            if (at < text.Length && text[at] == ',')
            {
                at++;
            }
            else if (at >= text.Length || text[at] != '}')
            {
                return false;
            }
        }
    }

    /// <summary>Whether a sample of <paramref name="name"/> with <paramref name="labels"/> is one this selector reads.</summary>
    public bool Matches(string name, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return string.Equals(name, Name, StringComparison.Ordinal)
            && Labels.All(l => labels.TryGetValue(l.Key, out var v) && string.Equals(v, l.Value, StringComparison.Ordinal));
    }

    /// <summary>The query again, in its canonical form.</summary>
    public override string ToString()
    {
        var labels = Labels.IsEmpty ? "" : "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"")) + "}";
        return Rate ? $"rate({Name}{labels})" : Name + labels;
    }

    private static bool IsName(string name, bool colons) =>
        name.Length is > 0 and <= 200 && !char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || (colons && c == ':'));

    private static void SkipSpaces(string text, ref int at)
    {
        while (at < text.Length && text[at] is ' ' or '\t')
        {
            at++;
        }
    }
}
