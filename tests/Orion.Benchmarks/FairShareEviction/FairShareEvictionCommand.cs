using System.CommandLine;

namespace Orion.Benchmarks.FairShareEviction;

/// <summary>The <c>fairshare-eviction</c> verb.</summary>
public static class FairShareEvictionCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "simulated nodes in the pool", DefaultValueFactory = _ => 16 };
        var gpus = new Option<int>("--gpus") { Description = "cards per node", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "waiting and evicting runs, alternating, this many times each", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("fairshare-eviction", "a tenant's offline jobs fill the pool, then another tenant's arrive: waiting vs evicting for fair share");
        foreach (var o in new Option[] { nodes, gpus, rounds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => FairShareEvictionBenchmark.RunAsync(parse.GetValue(nodes), parse.GetValue(gpus), parse.GetValue(rounds), parse.GetValue(json)?.FullName));
        return command;
    }
}
