using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.NodeDaemon.Simulated;
using Orleans.Configuration;

// The node daemon as its own process: an Orleans client of the pool that registers this machine's cards,
// takes commands through its observer and runs them on the backend.
var gateways = new Option<string[]>("--gateway") { Description = "silo gateway host:port, an IP address or a host name (repeat for several)", DefaultValueFactory = _ => ["127.0.0.1:30000"], AllowMultipleArgumentsPerToken = true };
var clusterId = new Option<string>("--cluster-id") { DefaultValueFactory = _ => "orion" };
var serviceId = new Option<string>("--service-id") { DefaultValueFactory = _ => "orion" };
var node = new Option<string>("--node") { Description = "node name (unique in its data centre)", DefaultValueFactory = _ => Environment.MachineName.ToLowerInvariant() };
var dc = new Option<string>("--dc") { Description = "data centre", DefaultValueFactory = _ => "dc1" };
var gpus = new Option<string>("--gpus") { Description = "simulated cards, e.g. 4xA100-80GB or 2xA100-80GB,2xT4-16GB", DefaultValueFactory = _ => "4xA100-80GB" };
var cpu = new Option<long>("--cpu-milli") { DefaultValueFactory = _ => 64_000 };
var memory = new Option<long>("--memory-mib") { DefaultValueFactory = _ => 512 * 1024 };
var hostSwap = new Option<long>("--host-swap-mib") { DefaultValueFactory = _ => 256 * 1024 };
var redis = new Option<string?>("--redis") { Description = "Redis connection string: find silos through the cluster's Redis membership instead of --gateway" };
var every = new Option<double>("--register-every-seconds") { Description = "re-registration (heartbeat) interval", DefaultValueFactory = _ => 5 };
var backendName = new Option<string>("--backend") { Description = "simulated (cards from --gpus) or nvidia (this machine's cards, through NVML)", DefaultValueFactory = _ => GpuBackends.Simulated };
backendName.AcceptOnlyFromAmong(GpuBackends.Simulated, GpuBackends.Nvidia);
var nvml = new Option<string?>("--nvml-library") { Description = "path to libnvidia-ml.so.1 when it is not on the loader's path (nvidia backend)" };
var demandBusy = new Option<double>("--demand-busy-percent")
{
    Description = "nvidia: an online process counts as busy (pausing offline work) at this share of its card's time, 0 < % <= 100",
    DefaultValueFactory = _ => 1,
};
demandBusy.Validators.Add(r =>
{
    if (r.GetValueOrDefault<double>() is <= 0 or > 100 or double.NaN)
    {
        r.AddError("--demand-busy-percent must be above 0 and at most 100");
    }
});
var demandHold = new Option<double>("--demand-hold-seconds")
{
    Description = "nvidia: how long a busy online process must stay under that share to count as idle again, >= 0",
    DefaultValueFactory = _ => 2,
};
demandHold.Validators.Add(r =>
{
    if (r.GetValueOrDefault<double>() is < 0 or double.NaN or double.PositiveInfinity)
    {
        r.AddError("--demand-hold-seconds must be a number of seconds, 0 or more");
    }
});
var taskLogs = new Option<string?>("--task-logs") { Description = "a folder for each task's output, TASK.GENERATION.log (nvidia backend; default: the daemon's own output)" };

var labels = new Option<string[]>("--label") { Description = "a label of this node, key=value (repeat for several), which tasks' node selectors match", AllowMultipleArgumentsPerToken = false };
var taints = new Option<string[]>("--taint")
{
    Description = "a taint of this node, key=value (repeat for several): only tasks that tolerate it run here (a node kept for some work); key=value:PreferNoSchedule keeps others off only while other nodes have room",
    AllowMultipleArgumentsPerToken = false,
};
var linkDomainSize = new Option<int>("--link-domain-size") { Description = "simulated: cards per link group (4: cards 0-3 and 4-7 on NVLink each); 0, the default: all alike (nvidia: read from NVML)" };
linkDomainSize.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() < 0)
    {
        r.AddError("--link-domain-size must be 0 or more");
    }
});
var advertise = new Option<string?>("--advertise-address")
{
    Description = "where other machines reach this node's tasks, a host name or IP address: a gang led from here gives it its members as MASTER_ADDR (default: this host's name)",
};
var token = new Option<string?>("--token") { Description = "the node's access token, when the pool requires one (default: $ORION_TOKEN, which keeps it out of the process list)" };
var tls = new Option<bool>("--tls") { Description = "connect over TLS (silos with Orion:Tls:Certificate), trusting the machine's certificate store" };
var tlsTrust = new Option<string?>("--tls-trust") { Description = "connect over TLS, trusting this certificate file (the cluster's own, or its authority's; PEM or DER)" };
var tlsCert = new Option<string?>("--tls-cert")
{
    Description = "connect over TLS presenting this certificate, to silos that require one (Orion:Tls:ClientTrust): PEM with --tls-key, or PKCS#12 without a password",
};
var tlsKey = new Option<string?>("--tls-key") { Description = "the PEM private key of --tls-cert" };
var root = new RootCommand("Orion node daemon: registers this machine's cards with the pool and runs the tasks placed on them");
foreach (var o in new Option[] { gateways, clusterId, serviceId, node, dc, gpus, cpu, memory, hostSwap, redis, every, backendName, nvml, taskLogs, demandBusy, demandHold, labels, taints, linkDomainSize, advertise, token, tls, tlsTrust, tlsCert, tlsKey })
{
    root.Options.Add(o);
}

root.SetAction(async (parse, cancel) =>
{
    IReadOnlyList<GpuModelSpec> cards;
    IPEndPoint[] endpoints;
    X509Certificate2? trusted;
    X509Certificate2? presented;
    try
    {
        CheckOptions(parse);
        trusted = parse.GetValue(tlsTrust) is { Length: > 0 } trust ? TrustFile(trust) : null;
        presented = Presented(parse.GetValue(tlsCert), parse.GetValue(tlsKey));
        cards = GpuInventory.Parse(parse.GetValue(gpus)!);
        endpoints = await Task.WhenAll(parse.GetValue(gateways)!.Select(ResolveGateway));
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"orion-daemon: {ex.Message}");
        return 2;
    }

    var options = new NodeDaemonOptions
    {
        NodeName = parse.GetValue(node)!,
        DataCenter = parse.GetValue(dc)!,
        CpuMilli = parse.GetValue(cpu),
        MemoryMiB = parse.GetValue(memory),
        HostSwapMiB = parse.GetValue(hostSwap),
        RegistrationInterval = TimeSpan.FromSeconds(parse.GetValue(every)),
        DemandBusyPercent = parse.GetValue(demandBusy),
        DemandHoldTime = TimeSpan.FromSeconds(parse.GetValue(demandHold)),
        Labels = NodeLabels.Parse(parse.GetValue(labels) ?? [], "--label").Labels,
        Taints = NodeTaints.Parse(parse.GetValue(taints) ?? [], "--taint").Taints,
        AdvertiseAddress = parse.GetValue(advertise) ?? System.Net.Dns.GetHostName(),
    };
    // The backend first: a machine whose cards cannot be read fails here, before it joins the pool.
    IGpuBackend backend;
    try
    {
        backend = OpenBackend(parse, options.NodeId, cards);
    }
    catch (BackendException ex)
    {
        Console.Error.WriteLine($"orion-daemon: --backend {parse.GetValue(backendName)}: {ex.Message}");
        return 2;
    }

    if (backend is NvidiaGpuBackend { TasksEndWithDaemon: false })
    {
        Console.Error.WriteLine("orion-daemon: setpriv (util-linux) is not installed: task processes will outlive this daemon if it crashes");
    }

    // What a daemon of this node left running when it died was placed again by the pool: end it before registering.
    if (backend is NvidiaGpuBackend nvidia && await LeftoverTaskProcesses.EndAsync(options.NodeId, nvidia.StopGrace, cancel) is > 0 and var leftovers)
    {
        Console.Error.WriteLine($"orion-daemon: ended {leftovers} task process group(s) a previous daemon of {options.NodeId} left running");
    }

    var builder = Host.CreateApplicationBuilder();
    builder.UseOrleansClient(client =>
    {
        if (parse.GetValue(redis) is { Length: > 0 } connection)
        {
            client.UseRedisClustering(connection);
        }
        else
        {
            client.UseStaticClustering(endpoints);
        }

        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = parse.GetValue(clusterId)!;
            o.ServiceId = parse.GetValue(serviceId)!;
        });
        if ((parse.GetValue(token) ?? Environment.GetEnvironmentVariable("ORION_TOKEN")) is { Length: > 0 } secret)
        {
            client.AddOutgoingGrainCallFilter(new AccessTokenFilter(secret));
        }

        if (parse.GetValue(tls) || trusted is not null || presented is not null)
        {
            client.UseTls(o =>
            {
                o.LocalCertificate = presented;
                o.RemoteCertificateValidation = (remote, _, errors) => CertificateTrust.Accepts(remote, errors, trusted);
            });
        }
    });
    using var host = builder.Build();
    await host.StartAsync(cancel);
    await using var daemon = new GpuNodeDaemon(options, backend, host.Services.GetRequiredService<IClusterClient>(), host.Services.GetRequiredService<ILogger<GpuNodeDaemon>>());
    try
    {
        await daemon.StartAsync(cancel);
    }
    catch (UnauthorizedAccessException ex)
    {
        Console.Error.WriteLine($"orion-daemon: the pool refused node {options.NodeId}: {ex.Message}");
        await host.StopAsync(CancellationToken.None);
        return 1;
    }

    host.Services.GetRequiredService<ILogger<GpuNodeDaemon>>().LogInformation(
        "Daemon {NodeId} registered {GpuCount} {Backend} cards with the pool at {Gateways}", options.NodeId, backend.Devices.Count, backend.Name, string.Join(", ", endpoints.Select(e => e.ToString())));
    try
    {
        await Task.Delay(Timeout.Infinite, cancel);
    }
    catch (OperationCanceledException)
    {
    }

    await host.StopAsync(CancellationToken.None);
    return 0;
});

// `check`: the backend's self-check on this machine, without joining a pool.
var gpuCommand = new Option<string?>("--gpu-command") { Description = "nvidia: a CUDA program that holds device memory, to move it to host RAM and back" };
var gpuMemory = new Option<long>("--gpu-memory-mib")
{
    Description = "the memory the --gpu-command program may hold per card (its cap where MPS runs)",
    DefaultValueFactory = _ => 8192,
};
var check = new Command("check", "Check this machine's backend: its cards, and a task started, paused, resumed and stopped on each");
foreach (var o in new Option[] { node, dc, gpus, hostSwap, backendName, nvml, taskLogs, gpuCommand, gpuMemory })
{
    check.Options.Add(o);
}

check.SetAction(async (parse, cancel) =>
{
    IGpuBackend backend;
    try
    {
        backend = OpenBackend(parse, GrainKeys.Node(parse.GetValue(dc)!, parse.GetValue(node)!), GpuInventory.Parse(parse.GetValue(gpus)!));
    }
    catch (Exception ex) when (ex is BackendException or ArgumentException)
    {
        Console.Error.WriteLine($"orion-daemon check: --backend {parse.GetValue(backendName)}: {ex.Message}");
        return 2;
    }

    using (backend)
    {
        var nvidia = backend is NvidiaGpuBackend;
        var passed = await new NodeCheck(backend, Console.Out).RunAsync(
            nvidia ? WorkloadSpec.Process("sleep 0.2") : WorkloadSpec.Batch(1, 200),
            nvidia ? WorkloadSpec.Process("sleep 600") : WorkloadSpec.Service(10, 5),
            nvidia
                ? parse.GetValue(gpuCommand) is { Length: > 0 } command ? WorkloadSpec.Process(command) : null
                : WorkloadSpec.Training(1_000_000, 10, 1024),
            gpuWorkMemoryMiB: parse.GetValue(gpuMemory));
        return passed ? 0 : 1;
    }
});
root.Subcommands.Add(check);

// Ctrl+C and SIGTERM end the daemon by its own path (the host stops, then the backend ends every task's processes, each
// within its stop grace), never by System.CommandLine's two-second kill, which would leave those processes running.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad options exit 2 with the option named, whichever check found them (the parser's own included).
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"orion-daemon: {error.Message}");
    }

    return 2;
}

return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);

// Bad values that would otherwise fail later, quietly or with a stack trace: a negative interval ended the registrar,
// 0 spun it, NaN crashed; a '/' in a name would break the node's grain key (dc/node).
void CheckOptions(ParseResult parse)
{
    if (parse.GetValue(node) is not { } nodeName || string.IsNullOrWhiteSpace(nodeName) || nodeName.Contains('/'))
    {
        throw new ArgumentException("--node must be a name, not blank and without '/'");
    }

    if (!DataCenterName.IsValid(parse.GetValue(dc)))
    {
        throw new ArgumentException($"--dc {DataCenterName.Rule}");
    }

    foreach (var (option, name) in new[] { (cpu, "--cpu-milli"), (memory, "--memory-mib"), (hostSwap, "--host-swap-mib") })
    {
        if (parse.GetValue(option) < 0)
        {
            throw new ArgumentException($"{name} must not be negative");
        }
    }

    if (NodeLabels.Parse(parse.GetValue(labels) ?? [], "--label").Error is { } badLabel)
    {
        throw new ArgumentException(badLabel);
    }

    if (NodeTaints.Parse(parse.GetValue(taints) ?? [], "--taint").Error is { } badTaint)
    {
        throw new ArgumentException(badTaint);
    }

    if (parse.GetValue(every) is not (> 0 and <= 86_400))
    {
        throw new ArgumentException("--register-every-seconds must be a number of seconds above 0 and at most 86400 (a day)");
    }
}

// The certificate the daemon presents to silos that require one.
static X509Certificate2? Presented(string? path, string? keyPath)
{
    if (path is not { Length: > 0 })
    {
        return keyPath is { Length: > 0 } ? throw new ArgumentException("--tls-key: is the key of --tls-cert, which is not given") : null;
    }

    try
    {
        return ClientCertificate.Load(path, keyPath);
    }
    catch (ArgumentException ex)
    {
        throw new ArgumentException("--tls-cert: " + ex.Message, ex);
    }
}

// host:port with an IP address or a host name (resolved once, here).
static X509Certificate2 TrustFile(string path)
{
    try
    {
        return CertificateTrust.Load(path);
    }
    catch (ArgumentException ex)
    {
        throw new ArgumentException("--tls-trust: " + ex.Message, ex);
    }
}

async Task<IPEndPoint> ResolveGateway(string text)
{
    if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
    {
        return endpoint;
    }

    var colon = text.LastIndexOf(':');
    if (colon <= 0 || !int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
    {
        throw new ArgumentException($"--gateway '{text}' must be host:port, e.g. 127.0.0.1:30000 or silo-1:30000");
    }

    var host = text[..colon];
    try
    {
        var addresses = await Dns.GetHostAddressesAsync(host);
        return addresses.Length == 0
            ? throw new ArgumentException($"--gateway '{text}': host '{host}' has no address")
            : new IPEndPoint(addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(), port);
    }
    catch (SocketException ex)
    {
        throw new ArgumentException($"--gateway '{text}': cannot resolve host '{host}': {ex.Message}");
    }
}

// The machine's backend: its NVIDIA cards through NVML, or the simulated cards named.
IGpuBackend OpenBackend(ParseResult parse, string nodeId, IReadOnlyList<GpuModelSpec> simulated)
{
    if (parse.GetValue(backendName) != GpuBackends.Nvidia)
    {
        return new SimulatedGpuBackend(nodeId, simulated, TimeProvider.System, parse.GetValue(hostSwap), parse.GetValue(linkDomainSize));
    }

    if (parse.GetValue(nvml) is { Length: > 0 } library)
    {
        NvidiaLibraries.UseNvml(library);
    }

    return NvidiaGpuBackend.Open(nodeId, parse.GetValue(hostSwap), parse.GetValue(taskLogs));
}
