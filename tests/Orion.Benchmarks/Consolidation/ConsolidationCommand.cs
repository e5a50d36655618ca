using System.CommandLine;

namespace Orion.Benchmarks.Consolidation;

/// <summary>The <c>consolidation</c> verb.</summary>
public static class ConsolidationCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "simulated nodes in the pool", DefaultValueFactory = _ => 16 };
        var gpus = new Option<int>("--gpus") { Description = "cards per node", DefaultValueFactory = _ => 4 };
        var jobGpus = new Option<int>("--job-gpus") { Description = "cards per job (whole cards; 1: a 100% slice)", DefaultValueFactory = _ => 1 };
        var gangSize = new Option<int>("--gang-size") { Description = "jobs submitted as gangs of this many members (1: each job alone)", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "which batch tasks end (the departures that scatter the rest)", DefaultValueFactory = _ => 1 };
        var rounds = new Option<int>("--rounds") { Description = "runs without and with consolidation, alternating, this many times each", DefaultValueFactory = _ => 3 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("consolidation", "whole-card jobs into a pool whose free room departures scattered: waiting (the baseline) vs moving offline work to gather it");
        foreach (var o in new Option[] { nodes, gpus, jobGpus, gangSize, seed, rounds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => ConsolidationBenchmark.RunAsync(
            parse.GetValue(nodes), parse.GetValue(gpus), parse.GetValue(jobGpus), parse.GetValue(gangSize), parse.GetValue(seed), parse.GetValue(rounds), parse.GetValue(json)?.FullName));
        return command;
    }
}
