namespace Orion.Benchmarks.Trace;

/// <summary>The published mean GPU allocation ratios (%) at 100% and 130% arrived (FGD paper, as quoted in the openb README).</summary>
public static class PublishedResults
{
    private static readonly Dictionary<string, Dictionary<string, (double At100, double At130)>> ByTrace = new()
    {
        ["default"] = new()
        {
            ["random"] = (86.30, 87.47), ["dot-product"] = (90.62, 90.85), ["clustering"] = (91.65, 91.88),
            ["gpu-packing"] = (91.78, 92.00), ["best-fit"] = (92.86, 93.08), ["fgd"] = (95.23, 95.39),
        },
        ["gpushare100"] = new()
        {
            ["random"] = (78.90, 79.44), ["dot-product"] = (81.98, 82.42), ["clustering"] = (82.22, 82.65),
            ["gpu-packing"] = (82.13, 82.57), ["best-fit"] = (84.62, 85.01), ["fgd"] = (86.64, 86.90),
        },
    };

    /// <summary>The trace a pod file is, by its name (openb_pod_list_default.csv → default), or null when not published.</summary>
    public static string? TraceOf(string podFile)
    {
        var name = Path.GetFileNameWithoutExtension(podFile);
        return ByTrace.Keys.FirstOrDefault(k => name.EndsWith("_" + k, StringComparison.OrdinalIgnoreCase));
    }

    public static (double At100, double At130)? For(string? trace, string policy) =>
        trace is not null && ByTrace.TryGetValue(trace, out var t) && t.TryGetValue(policy, out var v) ? v : null;
}
