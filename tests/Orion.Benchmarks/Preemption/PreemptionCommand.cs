using System.CommandLine;

namespace Orion.Benchmarks.Preemption;

/// <summary>The <c>preemption</c> verb and the hidden <c>preemption-client</c> verb its client process runs.</summary>
public static class PreemptionCommand
{
    public static IEnumerable<Command> Create()
    {
        var transitions = new Option<int>("--transitions") { Description = "idle→busy transitions to time", DefaultValueFactory = _ => 2000 };
        var warmup = new Option<int>("--warmup") { Description = "transitions run first and not timed (enough for the JIT to settle: tier-1 code, not tier-0)", DefaultValueFactory = _ => 3000 };
        var json = new Option<FileInfo?>("--json") { Description = "write the results here as JSON" };
        var daemon = new Option<string>("--daemon")
        {
            Description = "where the card's daemon runs: in-process (the embedded pool, the default) or process (the NodeDaemon executable, as on a GPU machine)",
            DefaultValueFactory = _ => "in-process",
        };
        daemon.AcceptOnlyFromAmong("in-process", "process");
        var command = new Command("preemption", "time online idle→busy transitions (offline paused and acked) against a plain grain round trip");
        command.Options.Add(transitions);
        command.Options.Add(warmup);
        command.Options.Add(json);
        command.Options.Add(daemon);
        command.SetAction(parse => PreemptionBenchmark.RunAsync(
            parse.GetValue(transitions), parse.GetValue(warmup), parse.GetValue(json)?.FullName, parse.GetValue(daemon) == "process"));
        yield return command;

        var port = new Argument<int>("gateway-port");
        var count = new Argument<int>("transitions");
        var warm = new Argument<int>("warmup");
        var output = new Argument<string>("out");
        var client = new Command("preemption-client", "the client process of the preemption benchmark") { Hidden = true };
        foreach (var a in new Argument[] { port, count, warm, output })
        {
            client.Arguments.Add(a);
        }

        client.SetAction(parse => PreemptionClient.RunAsync(parse.GetValue(port), parse.GetValue(count), parse.GetValue(warm), parse.GetValue(output)!));
        yield return client;
    }
}
