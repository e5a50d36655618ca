using System.CommandLine;

namespace Orion.Benchmarks.FairShare;

/// <summary>The <c>fairshare</c> verb.</summary>
public static class FairShareCommand
{
    public static Command Create()
    {
        var cards = new Option<int>("--cards") { Description = "whole cards in the pool", DefaultValueFactory = _ => 64 };
        var days = new Option<int>("--days") { Description = "days simulated", DefaultValueFactory = _ => 21 };
        var arrival = new Option<int>("--arrival-day") { Description = "the day tenant b starts queuing (a queues from day 0)", DefaultValueFactory = _ => 7 };
        var jobHours = new Option<int>("--max-job-hours") { Description = "jobs run 1 to this many hours, at random", DefaultValueFactory = _ => 12 };
        var seeds = new Option<int>("--seeds") { Description = "runs per mode (seeds 0..N-1), averaged", DefaultValueFactory = _ => 5 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var command = new Command("fairshare", "two tenants with full queues, one arriving later: the fair order by holdings alone vs with usage history");
        foreach (var o in new Option[] { cards, days, arrival, jobHours, seeds, json })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, _) => FairShareBenchmark.RunAsync(
            parse.GetValue(cards), parse.GetValue(days), parse.GetValue(arrival), parse.GetValue(jobHours), parse.GetValue(seeds), parse.GetValue(json)?.FullName));
        return command;
    }
}
