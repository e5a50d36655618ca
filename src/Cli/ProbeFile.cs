using Orion.Contracts;

namespace Orion.Cli;

/// <summary>
/// A probe as a spec file writes it (<c>readiness: {get: ":8000/health", every: 5s, failures: 3, delay: 30s}</c>, or
/// <c>grpc: 9000</c> (with <c>service:</c>), <c>tcp: 6379</c> or <c>command:</c> in place of <c>get:</c>); a flag gives its short form alone (<see cref="HealthProbe.Parse"/>).
/// </summary>
public sealed class ProbeFile
{
    /// <summary>An HTTP GET on the node's loopback: <c>:PORT</c> or <c>:PORT/PATH</c>.</summary>
    public string? Get { get; set; }

    /// <summary>A gRPC health check (<c>grpc.health.v1</c>) of this port on the node's loopback; SERVING passes.</summary>
    public int? Grpc { get; set; }

    /// <summary>With <see cref="Grpc"/>: the service to ask about (default: the server as a whole).</summary>
    public string? Service { get; set; }

    /// <summary>A TCP connection to this port on the node's loopback; an accepted connection passes.</summary>
    public int? Tcp { get; set; }

    /// <summary>A command run with <c>/bin/sh -c</c>; exit status 0 passes.</summary>
    public string? Command { get; set; }

    /// <summary>How often, as <c>10s</c> (default 10s).</summary>
    public string? Every { get; set; }

    /// <summary>How long one probe may take, as <c>1s</c> (default 1s).</summary>
    public string? Timeout { get; set; }

    /// <summary>Failures in a row that count (default 3).</summary>
    public int? Failures { get; set; }

    /// <summary>How long after the run starts the first probe waits, as <c>30s</c> (default 0).</summary>
    public string? Delay { get; set; }

    /// <summary>The probe its short form (<c>:8000/health</c>, or a command) says, with the default timing.</summary>
    public static ProbeFile? Short(string? text) =>
        HealthProbe.Parse(text) switch
        {
            null => text is null ? null : new ProbeFile { Get = text },
            { Tcp: true, Port: var port } => new ProbeFile { Tcp = port },
            { Grpc: true, Port: var port, Service: var service } => new ProbeFile { Grpc = port, Service = service },
            { Port: not null } => new ProbeFile { Get = text },
            var command => new ProbeFile { Command = command.Command },
        };

    /// <summary>The probe; <paramref name="field"/> (<c>readiness</c>, <c>liveness</c>) names it in errors.</summary>
    /// <exception cref="CliException">A field is not of its form (the pool's rules are checked by the validator).</exception>
    public HealthProbe Build(string field)
    {
        if (new object?[] { Get, Grpc, Tcp, Command }.Count(k => k is not null) > 1)
        {
            throw new CliException($"{field}: give one of get, grpc, tcp and command", ExitCodes.BadInput);
        }

        if (Service is not null && Grpc is null)
        {
            throw new CliException($"{field}.service: goes with grpc (the service a gRPC health check asks about)", ExitCodes.BadInput);
        }

        var probe = Grpc is { } grpc ? HealthProbe.GrpcHealth(grpc, Service)
            : Tcp is { } port ? HealthProbe.TcpSocket(port)
            : Get is null ? HealthProbe.Exec(Command ?? "")
            : HealthProbe.Parse(Get) is { Port: not null, Tcp: false, Grpc: false } http ? http
            : throw new CliException($"{field}.get: '{Get}' must be :PORT or :PORT/PATH (an HTTP GET on the node's loopback, port 1 to 65535)", ExitCodes.BadInput);

        return probe with
        {
            Period = Time(Every, "every") ?? probe.Period,
            Timeout = Time(Timeout, "timeout") ?? probe.Timeout,
            FailureThreshold = Failures ?? probe.FailureThreshold,
            InitialDelay = Time(Delay, "delay") ?? probe.InitialDelay,
        };

        TimeSpan? Time(string? text, string key) =>
            text is null ? null : Durations.Parse(text) ?? throw new CliException($"{field}.{key}: '{text}' {Durations.Rule}", ExitCodes.BadInput);
    }
}
