using Orion.Benchmarks.Preemption;

// Verbs: preemption (issue: priorities and preemption); colocation and trace come with their issues.
static string? Option(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

switch (args.FirstOrDefault())
{
    case "preemption":
        return await PreemptionBenchmark.RunAsync(
            int.Parse(Option(args, "--transitions") ?? "2000"),
            int.Parse(Option(args, "--warmup") ?? "300"),
            Option(args, "--json"));
    case "preemption-client":
        return await PreemptionClient.RunAsync(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), args[4]);
    default:
        Console.Error.WriteLine("usage: Orion.Benchmarks preemption [--transitions N] [--warmup N] [--json FILE]");
        return 2;
}
