using System.CommandLine;
using Orion.Benchmarks.Preemption;
using Orion.Benchmarks.Trace;

// The benchmarks, one verb each.
var root = new RootCommand("Orion benchmarks");
root.Subcommands.Add(TraceCommand.Create());
foreach (var command in PreemptionCommand.Create())
{
    root.Subcommands.Add(command);
}

var colocation = new Command("colocation", "the colocation benchmark (not implemented yet)");
colocation.SetAction(_ =>
{
    Console.Error.WriteLine("colocation: not implemented yet");
    return 2;
});
root.Subcommands.Add(colocation);

return await root.Parse(args).InvokeAsync();
