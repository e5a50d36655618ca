using System.Globalization;
using System.Text.RegularExpressions;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// Variants of a trace's pod list built at run time, in memory, after the families of the FGD paper (Weng et al.,
/// ATC'23), so placement can be checked beyond the published files without copying trace data anywhere:
/// <c>shareN</c> (N% of one-card pods share a card, their shares drawn from the file's own sharing pods),
/// <c>multigpuN</c> (N% of whole-card one-card pods ask for several cards, counts drawn from the file's multi-card pods),
/// <c>specN</c> (N% of GPU pods may run on one or two models only, drawn by the cluster's cards of each model).
/// Deterministic: the same file and variant give the same pods.
/// </summary>
public static partial class TraceVariants
{
    /// <summary>The variant's pods, or an error naming what is wrong with the variant for this file.</summary>
    public static IReadOnlyList<TracePod> Apply(IReadOnlyList<TracePod> pods, IReadOnlyList<TraceNode> nodes, string variant)
    {
        var match = Pattern().Match(variant);
        if (!match.Success)
        {
            throw new ArgumentException($"variant '{variant}' is not shareN, multigpuN or specN (N = 0..100)", nameof(variant));
        }

        var kind = match.Groups[1].Value;
        var percent = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        if (percent > 100)
        {
            throw new ArgumentException($"variant '{variant}': N must be 0..100", nameof(variant));
        }

        // A fixed seed per variant (string hashes differ between processes).
        var random = new Random((kind[0] * 1000) + percent);
        var chance = percent / 100.0;
        switch (kind)
        {
            case "share":
                var shares = pods.Where(p => p.GpuCount == 1 && p.GpuMilli < 1000).Select(p => p.GpuMilli).ToArray();
                if (shares.Length == 0)
                {
                    throw new ArgumentException($"variant '{variant}': the file has no sharing pods to draw shares from", nameof(variant));
                }

                return [.. pods.Select(p => p.GpuCount != 1 ? p
                    : random.NextDouble() < chance ? p with { GpuMilli = shares[random.Next(shares.Length)] } : p with { GpuMilli = 1000 })];
            case "multigpu":
                var counts = pods.Where(p => p.GpuCount > 1).Select(p => p.GpuCount).ToArray();
                if (counts.Length == 0)
                {
                    throw new ArgumentException($"variant '{variant}': the file has no multi-card pods to draw counts from", nameof(variant));
                }

                return [.. pods.Select(p => p.GpuCount == 1 && p.GpuMilli == 1000 && random.NextDouble() < chance
                    ? p with { GpuCount = counts[random.Next(counts.Length)] } : p)];
            default:
                var cards = nodes.Where(n => n.Gpus > 0).GroupBy(n => n.Model).Select(g => (Model: g.Key, Cards: g.Sum(n => n.Gpus))).ToArray();
                var total = cards.Sum(c => c.Cards);
                string Draw()
                {
                    var k = random.Next(total);
                    foreach (var (model, n) in cards)
                    {
                        if ((k -= n) < 0)
                        {
                            return model;
                        }
                    }

                    return cards[^1].Model;
                }

                return [.. pods.Select(p =>
                {
                    if (p.GpuCount == 0 || random.NextDouble() >= chance)
                    {
                        return p;
                    }

                    var models = new SortedSet<string>(StringComparer.Ordinal) { Draw() };
                    if (random.Next(2) == 1 && cards.Length > 1)
                    {
                        while (!models.Add(Draw()))
                        {
                        }
                    }

                    return p with { GpuModels = [.. models] };
                })];
        }
    }

    [GeneratedRegex("^(share|multigpu|spec)([0-9]{1,3})$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
