using Microsoft.Extensions.Options;
using Orion.Client;
using Orion.Silo;
using Orion.Silo.Access;
using Orion.Silo.Monitoring;
using Orleans.Configuration;
using Orleans.Dashboard;
using Spectre.Console;

// Short switches for the common settings; any setting also works as --Orion:Section:Key=value.
var switches = new Dictionary<string, string>
{
    ["--nodes"] = "Orion:Embedded:Nodes",
    ["--gpus-per-node"] = "Orion:Embedded:GpusPerNode",
    ["--gpu-model"] = "Orion:Embedded:GpuModel",
    ["--policy"] = "Orion:Pool:Policy",
    ["--oversubscription"] = "Orion:Pool:ComputeOversubscription",
};
var demo = args.Contains("--demo");
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--demo").ToArray());
builder.Configuration.AddCommandLine(args.Where(a => a != "--demo").ToArray(), switches);
if (demo)
{
    // The live table owns the terminal during the demo.
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Logging.AddFilter((category, level) => level >= LogLevel.Warning);
}

try
{
    return await RunAsync(builder, demo);
}
catch (Exception e) when (e is OptionsValidationException || (e is AggregateException a && a.InnerExceptions.All(i => i is OptionsValidationException)))
{
    // A bad setting: one line per rule broken, the setting named, no stack trace.
    var failures = e is AggregateException all ? all.InnerExceptions.Cast<OptionsValidationException>().SelectMany(v => v.Failures) : ((OptionsValidationException)e).Failures;
    foreach (var failure in failures)
    {
        Console.Error.WriteLine($"orion-silo: {failure}");
    }

    return 2;
}

static async Task<int> RunAsync(WebApplicationBuilder builder, bool demo)
{
    var gatewayPort = builder.Configuration.GetValue("Orion:Silo:GatewayPort", 30000);
    builder.UseOrleans(silo =>
    {
        silo.UseOrionClustering(builder.Configuration);
        silo.UseOrionTls(builder.Configuration);
        // Without Redis the silo clusters with itself alone (localhost clustering).
        silo.AddOrion(builder.Configuration, loneSilo: OrionClustering.Redis(builder.Configuration) is null);
        silo.AddDashboard();
    });
    builder.Services.AddHealthChecks().AddCheck<PoolHealthCheck>("pool");
    builder.Services.Configure<MonitorOptions>(builder.Configuration.GetSection(MonitorOptions.Section));
    builder.Services.AddSingleton<PoolMonitor>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<PoolMonitor>());
    builder.Services.AddSingleton<PoolMetrics>();
    builder.Services.AddOrionTelemetry(builder.Configuration);

    var app = builder.Build();

    // The settings' rules, before anything starts (the host would log its own failure with a stack trace).
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.Services.GetRequiredService<PoolMetrics>();
    app.UsePageAccess();
    app.MapOrleansDashboard("/dashboard");
    app.MapHealthChecks("/health");
    app.MapPrometheusScrapingEndpoint("/metrics");
    app.MapPoolApi();

    app.Lifetime.ApplicationStarted.Register(() =>
    {
        foreach (var url in app.Urls)
        {
            app.Logger.LogInformation(
                "Orion is up: pool page {Url}/, dashboard {Url}/dashboard, metrics {Url}/metrics, API {Url}/api/pool, health {Url}/health, SDK gateway port {GatewayPort}",
                url, url, url, url, url, gatewayPort);
        }
    });

    if (!demo)
    {
        await app.RunAsync();
        return 0;
    }

    await app.StartAsync();
    var client = new OrionClient(app.Services.GetRequiredService<IGrainFactory>());
    var exitCode = await new PoolDemo(client, AnsiConsole.Console, TimeProvider.System).RunAsync(app.Lifetime.ApplicationStopping);
    await app.StopAsync();
    return exitCode;
}
