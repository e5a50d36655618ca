using Orion.Cli;

// Exits with the command's code at once: nothing the command left behind (a connection still closing after Ctrl+C, a
// thread of the cluster client) may keep the process alive.
Environment.Exit(await new OrionCli(Console.Out, Console.Error).RunAsync(args));
