using System.CommandLine;

namespace Orion.Benchmarks.Eviction;

/// <summary>The <c>eviction</c> verb.</summary>
public static class EvictionCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "simulated nodes in the pool", DefaultValueFactory = _ => 16 };
        var gpus = new Option<int>("--gpus") { Description = "cards per node", DefaultValueFactory = _ => 8 };
        var services = new Option<int>("--services") { Description = "online services of 40% submitted into the full pool", DefaultValueFactory = _ => 32 };
        var rounds = new Option<int>("--rounds") { Description = "runs without and with eviction, alternating, this many times each", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("eviction", "online services into a pool full of offline batch: waiting (the baseline) vs evicting lower-priority work");
        foreach (var o in new Option[] { nodes, gpus, services, rounds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => EvictionBenchmark.RunAsync(
            parse.GetValue(nodes), parse.GetValue(gpus), parse.GetValue(services), parse.GetValue(rounds), parse.GetValue(json)?.FullName));
        return command;
    }
}
