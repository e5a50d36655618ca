using System.CommandLine;

namespace Orion.Benchmarks.Colocation;

/// <summary>The <c>colocation</c> verb.</summary>
public static class ColocationCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "seed of the generated workload", DefaultValueFactory = _ => 1 };
        var transition = new Option<double>("--transition-ms") { Description = "idle→busy latency added to each transition (from the preemption benchmark)", DefaultValueFactory = _ => 0.5 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var plot = new Option<FileInfo?>("--plot") { Description = "write a PNG of load and card use over the day here" };
        var grainsFrom = new Option<double>("--grains-from") { Description = "hour of day the run through the real grains starts", DefaultValueFactory = _ => 21.5 };
        var grainsHours = new Option<double>("--grains-hours") { Description = "hours run through the real grains on (c)'s cards and compared with the model; 0 skips it", DefaultValueFactory = _ => 3 };
        var command = new Command("colocation", "a day of online services, nightly batches and training: dedicated cards vs Orion");
        foreach (var o in new Option[] { seed, transition, json, plot, grainsFrom, grainsHours })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => ColocationBenchmark.RunAsync(
            parse.GetValue(seed), parse.GetValue(transition), parse.GetValue(json)?.FullName, parse.GetValue(plot)?.FullName, parse.GetValue(grainsFrom), parse.GetValue(grainsHours)));
        return command;
    }
}
