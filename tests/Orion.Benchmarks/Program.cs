using System.CommandLine;
using Orion.Benchmarks.Trace;

// The benchmarks, one verb each. Only the trace replay is implemented so far.
var root = new RootCommand("Orion benchmarks");
root.Subcommands.Add(TraceCommand.Create());
foreach (var verb in new[] { "preemption", "colocation" })
{
    var command = new Command(verb, $"the {verb} benchmark (not implemented yet)");
    command.SetAction(_ =>
    {
        Console.Error.WriteLine($"{verb}: not implemented yet");
        return 2;
    });
    root.Subcommands.Add(command);
}

return root.Parse(args).Invoke();
