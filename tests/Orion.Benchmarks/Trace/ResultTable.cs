using System.Globalization;
using System.Text;

namespace Orion.Benchmarks.Trace;

/// <summary>Measured allocation ratios beside the published ones, as a Markdown table.</summary>
public static class ResultTable
{
    public static string Markdown(string? trace, IReadOnlyList<PolicyResult> results)
    {
        var fgd = PublishedResults.For(trace, TracePolicies.Fgd);
        var sb = new StringBuilder();
        sb.AppendLine("| policy | @100% ours | @100% published | @130% ours | @130% published | vs published FGD @100/@130 | ceiling @100/@130 | placements/s |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            var published = PublishedResults.For(trace, r.Policy);
            var a100 = r.Allocation["100"];
            var a130 = r.Allocation["130"];
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Policy} | {a100:F2} | {Num(published?.At100)} | {a130:F2} | {Num(published?.At130)} | {(fgd is null ? "–" : $"{a100 - fgd.Value.At100:+0.00;-0.00} / {a130 - fgd.Value.At130:+0.00;-0.00}")} | {r.Ceiling["100"]:F2} / {r.Ceiling["130"]:F2} | {r.PlacementsPerSecond:F0} |"));
        }

        // Where the GPU not allocated is: cards nobody holds, or crumbs on shared cards, beside the crumbs the same
        // sharing pods would leave packed offline (how much is the online decision's, not the pods' sizes').
        sb.AppendLine();
        sb.AppendLine("| policy | idle cards @100 / @130 | crumbs @100 / @130 | crumbs packed offline @100 / @130 |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var r in results)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Policy} | {r.IdleCards["100"]:F2} / {r.IdleCards["130"]:F2} | {r.Crumbs["100"]:F2} / {r.Crumbs["130"]:F2} | {r.PackedCrumbs["100"]:F2} / {r.PackedCrumbs["130"]:F2} |"));
        }

        return sb.ToString();
    }

    private static string Num(double? v) => v is null ? "–" : v.Value.ToString("F2", CultureInfo.InvariantCulture);
}
