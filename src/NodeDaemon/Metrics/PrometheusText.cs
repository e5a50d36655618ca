using System.Globalization;
using Orion.Contracts;

namespace Orion.NodeDaemon.Metrics;

/// <summary>
/// Reads samples from a page in Prometheus' text exposition format (what vLLM, TGI and Triton serve on /metrics): pure.
/// prometheus-net and OpenTelemetry write this format but read none, so the few rules a reader needs are here.
/// </summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of the samples of <paramref name="text"/> that <paramref name="selector"/> matches (NaN ones left out) and
    /// how many matched; comments and lines that break the format are passed over.
    /// </summary>
    public static (double Sum, int Count) Sum(string text, MetricSelector selector)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(selector);
        var (sum, count) = (0.0, 0);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').TrimStart(' ', '\t');

            // Cheap first: most lines of a page are other metrics.
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(selector.Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (Sample(line) is { } sample && !double.IsNaN(sample.Value) && selector.Matches(sample.Name, sample.Labels))
            {
                sum += sample.Value;
                count++;
            }
        }

        return (sum, count);
    }

    /// <summary>One sample line, <c>name{label="value",...} value [timestamp]</c>; null when it breaks the format.</summary>
    public static (string Name, IReadOnlyDictionary<string, string> Labels, double Value)? Sample(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var at = 0;
        while (at < line.Length && (char.IsAsciiLetterOrDigit(line[at]) || line[at] is '_' or ':'))
        {
            at++;
        }

        var name = line[..at];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            if (!MetricSelector.ReadLabels(line, ref at, labels))
            {
                return null;
            }
        }

        var rest = line[at..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2 || Value(rest[0]) is not { } value)
        {
            return null;
        }

        return (name, labels, value);
    }

    private static double? Value(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
    };
}
