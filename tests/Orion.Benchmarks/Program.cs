using System.CommandLine;
using Orion.Benchmarks.Borrowing;
using Orion.Benchmarks.Colocation;
using Orion.Benchmarks.Consolidation;
using Orion.Benchmarks.Eviction;
using Orion.Benchmarks.FairShare;
using Orion.Benchmarks.FairShareEviction;
using Orion.Benchmarks.Gangs;
using Orion.Benchmarks.Preemption;
using Orion.Benchmarks.Trace;

// The benchmarks, one verb each.
var root = new RootCommand("Orion benchmarks");
root.Subcommands.Add(TraceCommand.Create());
foreach (var command in PreemptionCommand.Create())
{
    root.Subcommands.Add(command);
}

root.Subcommands.Add(ColocationCommand.Create());
root.Subcommands.Add(BorrowingCommand.Create());
root.Subcommands.Add(GangsCommand.Create());
root.Subcommands.Add(EvictionCommand.Create());
root.Subcommands.Add(ConsolidationCommand.Create());
root.Subcommands.Add(FairShareCommand.Create());
root.Subcommands.Add(FairShareEvictionCommand.Create());

return await root.Parse(args).InvokeAsync();
