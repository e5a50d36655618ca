using System.CommandLine;

namespace Orion.Benchmarks.Borrowing;

/// <summary>The <c>borrowing</c> verb.</summary>
public static class BorrowingCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "simulated nodes in the pool", DefaultValueFactory = _ => 16 };
        var gpus = new Option<int>("--gpus") { Description = "cards per node", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "strict and lending runs, alternating, this many times each", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("borrowing", "two tenants with half the pool each: strict quotas vs a quota that lends idle room, taken back by eviction");
        foreach (var o in new Option[] { nodes, gpus, rounds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => BorrowingBenchmark.RunAsync(parse.GetValue(nodes), parse.GetValue(gpus), parse.GetValue(rounds), parse.GetValue(json)?.FullName));
        return command;
    }
}
