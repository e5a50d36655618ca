using System.Globalization;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// Reads the node and pod CSV files of the Alibaba GPU-sharing trace (openb) and its variants. Columns are
/// found by header name, so files that omit <c>gpu_spec</c> and the columns after it load too.
/// </summary>
public static class TraceFiles
{
    public static IReadOnlyList<TraceNode> LoadNodes(string path)
    {
        var rows = Read(path, out var header);
        var name = Column(header, path, "sn", "name");
        var cpu = Column(header, path, "cpu_milli");
        var memory = Column(header, path, "memory_mib");
        var gpu = Column(header, path, "gpu", "num_gpu");
        var model = OptionalColumn(header, "model", "gpu_model");
        return rows.Select(r => new TraceNode(
            r[name], Long(r, cpu, path), Long(r, memory, path), (int)Long(r, gpu, path),
            model < 0 || model >= r.Length ? string.Empty : r[model].Trim())).ToList();
    }

    public static IReadOnlyList<TracePod> LoadPods(string path)
    {
        var rows = Read(path, out var header);
        var name = Column(header, path, "name");
        var cpu = Column(header, path, "cpu_milli");
        var memory = Column(header, path, "memory_mib");
        var gpus = Column(header, path, "num_gpu");
        var milli = Column(header, path, "gpu_milli");
        var spec = OptionalColumn(header, "gpu_spec");
        var pods = new List<TracePod>(rows.Count);
        foreach (var r in rows)
        {
            var count = (int)Long(r, gpus, path);
            var share = (int)Long(r, milli, path);
            if (count < 0 || share < 0 || share > 1000 || (count > 1 && share != 1000 && share != 0))
            {
                throw new FormatException($"{path}: pod {r[name]} asks for {count} GPUs of {share} milli; sharing is for one GPU only");
            }

            // A whole-card pod may leave gpu_milli at 0 or 1000; a one-GPU pod with 0 milli still takes a card.
            var perCard = count == 0 ? 0 : count > 1 || share == 0 ? 1000 : share;
            var models = spec < 0 || spec >= r.Length || r[spec].Trim().Length == 0
                ? (IReadOnlyList<string>)[]
                : r[spec].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            pods.Add(new TracePod(r[name], Long(r, cpu, path), Long(r, memory, path), count, perCard, models));
        }

        return pods;
    }

    private static List<string[]> Read(string path, out string[] header)
    {
        using var reader = new StreamReader(path);
        header = (reader.ReadLine() ?? throw new FormatException($"{path} is empty")).Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                rows.Add(line.Split(','));
            }
        }

        return rows;
    }

    private static int Column(string[] header, string path, params string[] names)
    {
        var i = OptionalColumn(header, names);
        return i >= 0 ? i : throw new FormatException($"{path} has no column {string.Join(" or ", names)}");
    }

    private static int OptionalColumn(string[] header, params string[] names)
    {
        foreach (var n in names)
        {
            var i = Array.IndexOf(header, n);
            if (i >= 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static long Long(string[] row, int column, string path)
    {
        var text = column < row.Length ? row[column].Trim() : string.Empty;
        if (text.Length == 0)
        {
            return 0;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? (long)Math.Round(v)
            : throw new FormatException($"{path}: '{text}' is not a number");
    }
}
