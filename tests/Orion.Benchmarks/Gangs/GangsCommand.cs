using System.CommandLine;

namespace Orion.Benchmarks.Gangs;

/// <summary>The <c>gangs</c> verb.</summary>
public static class GangsCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "simulated nodes in the pool", DefaultValueFactory = _ => 16 };
        var gpus = new Option<int>("--gpus") { Description = "cards per node (each worker takes a whole node)", DefaultValueFactory = _ => 8 };
        var jobs = new Option<int>("--jobs") { Description = "distributed jobs submitted together", DefaultValueFactory = _ => 8 };
        var workers = new Option<int>("--workers") { Description = "workers per job", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "job-array and gang runs, alternating, this many times each", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("gangs", "distributed jobs of whole-node workers: job arrays (the baseline) vs gangs, placed all together or not at all");
        foreach (var o in new Option[] { nodes, gpus, jobs, workers, rounds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => GangsBenchmark.RunAsync(
            parse.GetValue(nodes), parse.GetValue(gpus), parse.GetValue(jobs), parse.GetValue(workers), parse.GetValue(rounds), parse.GetValue(json)?.FullName));
        return command;
    }
}
