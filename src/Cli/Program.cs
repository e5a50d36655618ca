using Orion.Cli;

return await new OrionCli(Console.Out, Console.Error).RunAsync(args);
