namespace Orion.NodeDaemon;

/// <summary>Known GPU models. Speeds are rough dense-compute ratios to an A100; links are PCIe or NVLink-C2C figures.</summary>
public static class GpuModelCatalog
{
    private static readonly Dictionary<string, GpuModelSpec> Models = new GpuModelSpec[]
    {
        new("A100-80GB", 81920, 1.0, 25, 108),
        new("A100-40GB", 40960, 1.0, 25, 108),
        new("H100-80GB", 81920, 2.0, 50, 132),
        new("H200-141GB", 144384, 2.2, 50, 132),
        new("L40S-48GB", 49152, 0.9, 25, 142),
        new("L4-24GB", 24576, 0.4, 25, 58),
        new("A10-24GB", 24576, 0.4, 25, 72),
        new("T4-16GB", 16384, 0.2, 16, 40),
        new("V100-32GB", 32768, 0.5, 16, 80),
        new("V100-16GB", 16384, 0.5, 16, 80),
        new("P100-16GB", 16384, 0.3, 16, 56),

        // The models of Alibaba's GPU-sharing trace (openb) under the trace's own names, so a pool of the trace's
        // shape can be simulated; G2 and G3 are unnamed in the trace, here given T4/V100-class figures.
        new("G2", 16384, 0.2, 16, 40),
        new("G3", 32768, 0.5, 16, 80),
        new("T4", 16384, 0.2, 16, 40),
        new("P100", 16384, 0.3, 16, 56),
        new("V100M16", 16384, 0.5, 16, 80),
        new("V100M32", 32768, 0.5, 16, 80),
        new("A10", 24576, 0.4, 25, 72),
    }.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<GpuModelSpec> All => Models.Values;

    /// <summary>The model by name; throws naming the known models when it is unknown.</summary>
    public static GpuModelSpec Get(string name) =>
        Models.TryGetValue(name, out var m)
            ? m
            : throw new ArgumentException($"GPU model '{name}' is unknown; known: {string.Join(", ", Models.Keys.Order())}", nameof(name));
}
