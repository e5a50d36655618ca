using System.Diagnostics.CodeAnalysis;
using Orion.Grains.Scheduling;
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
            Description = $"policy to replay, or 'all': {string.Join(", ", TracePolicies.Names)}; or {TracePolicies.OrionEmphasisPrefix}K (orion with PoorFillEmphasis K)",
            DefaultValueFactory = _ => "all",
        };
        var seeds = new Option<int>("--seeds") { Description = "seeds (arrival orders) per policy", DefaultValueFactory = _ => 10 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var plot = new Option<FileInfo?>("--plot") { Description = "write a PNG of allocation vs arrived workload here (one per pod file, named after it)" };
        var grains = new Option<bool>("--through-grains") { Description = "replay one seed through an in-process silo (tasks through the real grains), one pod in flight and --in-flight pods in flight, beside the pure replay" };
        var inFlight = new Option<int>("--in-flight") { Description = "pods submitted concurrently in --through-grains mode", DefaultValueFactory = _ => 256 };
        var seed = new Option<int>("--seed") { Description = "the seed replayed in --through-grains mode", DefaultValueFactory = _ => 0 };
        var countCalls = new Option<bool>("--count-calls") { Description = "in --through-grains mode, count the grain calls the silo receives per pod (a filter on every call: costs some speed)" };
        var quota = new Option<bool>("--quota") { Description = "in --through-grains mode, give the trace's tenant a quota that never binds, so every admission is charged and written (the cost of quota accounting)" };
        var skipSingle = new Option<bool>("--skip-single") { Description = "in --through-grains mode, skip the run with one pod in flight (for profiling the many-in-flight run)" };
        var variants = new Option<string[]>("--variant")
        {
            Description = "replay built variants of each pod file instead of the file, may repeat: shareN, multigpuN, specN (see TraceVariants; built in memory, never written)",
            AllowMultipleArgumentsPerToken = true,
        };
        var repeat = new Option<int>("--repeat")
        {
            Description = "in --through-grains mode, run the many-in-flight replay this many times, each in a fresh silo of the same process (the later runs show a warm process, as a silo is after its first minutes)",
            DefaultValueFactory = _ => 1,
        };
        var submitMany = new Option<int>("--submit-many") { Description = "in --through-grains mode, submit this many pods per OrionClient.SubmitManyAsync call (0: one SubmitAsync per pod)", DefaultValueFactory = _ => 0 };

        var command = new Command("trace", "replay the Alibaba GPU-sharing trace (openb) by the published protocol");
        foreach (var o in new Option[] { nodes, pods, policy, seeds, json, plot, grains, inFlight, seed, submitMany, skipSingle, repeat, countCalls, quota, variants })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => parse.GetValue(grains)
            ? RunThroughGrains(parse.GetValue(nodes), parse.GetValue(pods) ?? [], parse.GetValue(seed), parse.GetValue(inFlight), parse.GetValue(submitMany), parse.GetValue(skipSingle), parse.GetValue(repeat), parse.GetValue(countCalls), parse.GetValue(quota), parse.GetValue(json))
            : Run(parse.GetValue(nodes), parse.GetValue(pods) ?? [], parse.GetValue(policy)!, parse.GetValue(seeds), parse.GetValue(json), parse.GetValue(plot), parse.GetValue(variants) ?? []));
        return command;
    }

    /// <summary>The product's default policy on one seed: pure replay, then through the grains with one and with many pods in flight.</summary>
    private static int RunThroughGrains(FileInfo? nodeFile, FileInfo[] podFiles, int seed, int inFlight, int submitMany, bool skipSingle, int repeat, bool countCalls, bool quota, FileInfo? json)
    {
        if (!Resolve(ref nodeFile, ref podFiles))
        {
            return 1;
        }

        var nodeList = TraceFiles.LoadNodes(nodeFile.FullName);
        var results = new List<object>();
        foreach (var podFile in podFiles)
        {
            var replay = new TraceReplay(nodeList, TraceFiles.LoadPods(podFile.FullName), Path.GetFileNameWithoutExtension(podFile.Name));
            var pure = replay.Run(TracePolicies.Create(TracePolicies.Orion, replay, seed), seed);
            Console.WriteLine(FormattableString.Invariant(
                $"{replay.Name} seed {seed}: pure replay {pure.Allocation[5]:F2}% / {pure.Allocation[^1]:F2}% at 100/130% arrived, {pure.Pods / pure.PlacementSeconds:F0} placements/s"));
            var runs = (skipSingle ? [] : new[] { 1 }).Concat(Enumerable.Repeat(inFlight, Math.Max(1, repeat)));
            foreach (var n in runs)
            {
                var run = GrainReplay.RunAsync(replay, nodeList, PlacementPolicies.Default, seed, n, Console.Out, n == 1 ? 0 : submitMany, countCalls, quota).GetAwaiter().GetResult();
                Console.WriteLine(FormattableString.Invariant(
                    $"  through grains, {n,4} in flight: {run.Allocation[5]:F2}% / {run.Allocation[^1]:F2}% ({run.Allocation[5] - pure.Allocation[5]:+0.00;-0.00;±0.00} / {run.Allocation[^1] - pure.Allocation[^1]:+0.00;-0.00;±0.00} vs pure), {run.Failed} of {run.Pods} failed, {run.PlacementsPerSecond:F0} placements/s ({run.CpuMicrosecondsPerPod:F0} µs CPU, {run.AllocatedBytes / 1024.0 / run.Pods:F0} KiB allocated per pod; GC paused {run.GcPauseSeconds:F2} s) in {run.Rounds} rounds{(n > 1 && submitMany > 0 ? $", {submitMany} per SubmitManyAsync" : "")}"));
                Console.WriteLine(FormattableString.Invariant(
                    $"    baseline (a new grain, a call and a state write per pod): {run.FloorPerSecond:F0} pods/s ({run.FloorCpuMicrosecondsPerPod:F0} µs CPU per pod); Orion costs {run.CpuMicrosecondsPerPod / Math.Max(1e-9, run.FloorCpuMicrosecondsPerPod):F1}× its CPU per pod"));
                results.Add(new { trace = replay.Name, seed, inFlight = n, pure100 = pure.Allocation[5], pure130 = pure.Allocation[^1], grains100 = run.Allocation[5], grains130 = run.Allocation[^1], placementsPerSecond = Math.Round(run.PlacementsPerSecond), cpuMicrosecondsPerPod = Math.Round(run.CpuMicrosecondsPerPod), baselinePerSecond = Math.Round(run.FloorPerSecond), baselineCpuMicrosecondsPerPod = Math.Round(run.FloorCpuMicrosecondsPerPod), allocatedKiBPerPod = Math.Round(run.AllocatedBytes / 1024.0 / run.Pods), gcPauseSeconds = Math.Round(run.GcPauseSeconds, 2), rounds = run.Rounds, submitMany = n == 1 ? 0 : submitMany, purePlacementsPerSecond = Math.Round(pure.Pods / pure.PlacementSeconds) });
            }
        }

        if (json is not null)
        {
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(results, Json));
        }

        return 0;
    }

    private static bool Resolve([NotNull] ref FileInfo? nodeFile, ref FileInfo[] podFiles)
    {
        var data = DefaultDataDirectory();
        nodeFile ??= new FileInfo(Path.Combine(data ?? ".", "openb_node_list_gpu_node.csv"));
        if (podFiles.Length == 0)
        {
            var dir = nodeFile.DirectoryName!;
            podFiles = [.. new[] { "openb_pod_list_default.csv", "openb_pod_list_gpushare100.csv" }.Select(f => new FileInfo(Path.Combine(dir, f)))];
        }

        foreach (var f in podFiles.Prepend(nodeFile))
        {
            if (!f.Exists)
            {
                Console.Error.WriteLine($"trace: {f.FullName} not found");
                return false;
            }
        }

        return true;
    }

    private static int Run(FileInfo? nodeFile, FileInfo[] podFiles, string policy, int seeds, FileInfo? json, FileInfo? plot, string[] variants)
    {
        if (!Resolve(ref nodeFile, ref podFiles))
        {
            return 1;
        }

        var policies = string.Equals(policy, "all", StringComparison.OrdinalIgnoreCase) ? TracePolicies.Names : [policy.ToLowerInvariant()];
        if (policies.FirstOrDefault(p => !TracePolicies.Knows(p)) is { } unknown)
        {
            Console.Error.WriteLine($"trace: policy '{unknown}' is unknown; known: {string.Join(", ", TracePolicies.Names)}, {TracePolicies.OrionEmphasisPrefix}K, all");
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
        var replays = new List<(TraceReplay Replay, string? Published)>();
        foreach (var podFile in podFiles)
        {
            var podList = TraceFiles.LoadPods(podFile.FullName);
            var name = Path.GetFileNameWithoutExtension(podFile.Name);
            if (variants.Length == 0)
            {
                replays.Add((new TraceReplay(nodeList, podList, name), PublishedResults.TraceOf(podFile.Name)));
            }

            foreach (var v in variants)
            {
                try
                {
                    replays.Add((new TraceReplay(nodeList, TraceVariants.Apply(podList, nodeList, v), $"{name}+{v}"), null));
                }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine($"trace: {e.Message}");
                    return 1;
                }
            }
        }

        foreach (var (replay, published) in replays)
        {
            Console.WriteLine($"{replay.Name}: {nodeList.Count} nodes, {replay.CapacityMilli / 1000} GPUs, {replay.Pods.Count} pods, typical mix of {replay.TypicalMix.Shapes.Count} shapes");
            var mine = new List<PolicyResult>();
            foreach (var p in policies)
            {
                mine.Add(TraceBenchmark.Measure(replay, p, seeds, Console.Out));
            }

            Console.WriteLine(ResultTable.Markdown(published, mine));
            if (plot is not null)
            {
                var png = policies.Count == 0 || replays.Count == 1 ? plot.FullName
                    : Path.Combine(plot.DirectoryName!, $"{Path.GetFileNameWithoutExtension(plot.Name)}-{replay.Name.Replace("openb_pod_list_", "", StringComparison.Ordinal)}{plot.Extension}");
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
