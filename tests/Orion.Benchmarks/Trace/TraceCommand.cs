using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Orion.Benchmarks.Trace;

/// <summary>The <c>trace</c> verb: replays the GPU-sharing trace under the policies and writes the results.</summary>
public static class TraceCommand
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var nodes = new Option<FileInfo?>("--nodes") { Description = "node CSV (default: ../shared/data/openb/openb_node_list_gpu_node.csv from the repository root)" };
        var pods = new Option<FileInfo[]>("--pods")
        {
            Description = "pod CSV, may repeat (default: openb_pod_list_default.csv and openb_pod_list_gpushare100.csv beside the nodes)",
            AllowMultipleArgumentsPerToken = true,
        };
        var policy = new Option<string>("--policy")
        {
            Description = $"policy to replay, or 'all': {string.Join(", ", TracePolicies.Names)}",
            DefaultValueFactory = _ => "all",
        };
        var seeds = new Option<int>("--seeds") { Description = "seeds (arrival orders) per policy", DefaultValueFactory = _ => 10 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var plot = new Option<FileInfo?>("--plot") { Description = "write a PNG of allocation vs arrived workload here (one per pod file, named after it)" };

        var command = new Command("trace", "replay the Alibaba GPU-sharing trace (openb) by the published protocol");
        foreach (var o in new Option[] { nodes, pods, policy, seeds, json, plot })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => Run(
            parse.GetValue(nodes), parse.GetValue(pods) ?? [], parse.GetValue(policy)!, parse.GetValue(seeds), parse.GetValue(json), parse.GetValue(plot)));
        return command;
    }

    private static int Run(FileInfo? nodeFile, FileInfo[] podFiles, string policy, int seeds, FileInfo? json, FileInfo? plot)
    {
        var data = DefaultDataDirectory();
        nodeFile ??= new FileInfo(Path.Combine(data ?? ".", "openb_node_list_gpu_node.csv"));
        if (podFiles.Length == 0)
        {
            podFiles = [.. new[] { "openb_pod_list_default.csv", "openb_pod_list_gpushare100.csv" }.Select(f => new FileInfo(Path.Combine(nodeFile.DirectoryName!, f)))];
        }

        foreach (var f in podFiles.Prepend(nodeFile))
        {
            if (!f.Exists)
            {
                Console.Error.WriteLine($"trace: {f.FullName} not found");
                return 1;
            }
        }

        var policies = string.Equals(policy, "all", StringComparison.OrdinalIgnoreCase) ? TracePolicies.Names : [policy.ToLowerInvariant()];
        if (policies.FirstOrDefault(p => !TracePolicies.Names.Contains(p)) is { } unknown)
        {
            Console.Error.WriteLine($"trace: policy '{unknown}' is unknown; known: {string.Join(", ", TracePolicies.Names)}, all");
            return 1;
        }

        if (seeds < 1)
        {
            Console.Error.WriteLine("trace: --seeds must be at least 1");
            return 1;
        }

        var total = Stopwatch.StartNew();
        var nodeList = TraceFiles.LoadNodes(nodeFile.FullName);
        var results = new List<PolicyResult>();
        foreach (var podFile in podFiles)
        {
            var replay = new TraceReplay(nodeList, TraceFiles.LoadPods(podFile.FullName), Path.GetFileNameWithoutExtension(podFile.Name));
            Console.WriteLine($"{replay.Name}: {nodeList.Count} nodes, {replay.CapacityMilli / 1000} GPUs, {replay.Pods.Count} pods, typical mix of {replay.TypicalMix.Shapes.Count} shapes");
            var mine = new List<PolicyResult>();
            foreach (var p in policies)
            {
                mine.Add(TraceBenchmark.Measure(replay, p, seeds, Console.Out));
            }

            Console.WriteLine(ResultTable.Markdown(PublishedResults.TraceOf(podFile.Name), mine));
            if (plot is not null)
            {
                var png = policies.Count == 0 || podFiles.Length == 1 ? plot.FullName
                    : Path.Combine(plot.DirectoryName!, $"{Path.GetFileNameWithoutExtension(plot.Name)}-{replay.Name}{plot.Extension}");
                AllocationPlot.Save(png, replay.Name, mine);
                Console.WriteLine($"plot: {png}");
            }

            results.AddRange(mine);
        }

        if (json is not null)
        {
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(results, Json));
            Console.WriteLine($"json: {json.FullName}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total: {total.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    /// <summary>../shared/data/openb from the repository root (the folder with Orion.sln), looked for upward from here.</summary>
    private static string? DefaultDataDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Orion.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "openb"));
                }
            }
        }

        return null;
    }
}
