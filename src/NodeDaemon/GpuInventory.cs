namespace Orion.NodeDaemon;

/// <summary>Reads a node's cards from text like <c>4xA100-80GB</c> or <c>2xA100-80GB,2xT4-16GB</c>.</summary>
public static class GpuInventory
{
    /// <summary>The cards, in order; throws naming the part and the rule when the text is bad.</summary>
    public static IReadOnlyList<GpuModelSpec> Parse(string text)
    {
        var cards = new List<GpuModelSpec>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var x = part.IndexOf('x', StringComparison.OrdinalIgnoreCase);
            if (x <= 0 || !int.TryParse(part[..x], out var count) || count is < 1 or > 64)
            {
                throw new ArgumentException($"--gpus part '{part}' must be COUNTxMODEL with COUNT 1..64, e.g. 4xA100-80GB");
            }

            cards.AddRange(Enumerable.Repeat(GpuModelCatalog.Get(part[(x + 1)..]), count));
        }

        return cards.Count > 0 ? cards : throw new ArgumentException("--gpus must name at least one card, e.g. 4xA100-80GB");
    }
}
