// Benchmarks land here with the issues that ask for them (preemption, colocation, trace).
Console.Error.WriteLine("usage: Orion.Benchmarks <preemption|colocation|trace> [options] (none implemented yet)");
return 2;
