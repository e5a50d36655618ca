using System.Globalization;
using System.Text.RegularExpressions;

namespace Orion.Contracts;

/// <summary>
/// A check its node's daemon makes of a task's run, as a Kubernetes probe: an HTTP GET on the node's loopback (a server
/// the task runs: <see cref="Http"/>), a gRPC health check there (<c>grpc.health.v1</c>: <see cref="GrpcHealth"/>), a TCP
/// connection there (a server that speaks neither, such as Redis: <see cref="TcpSocket"/>) or, for a process task only,
/// a command (run with <c>/bin/sh -c</c> in its environment and working directory: <see cref="Exec"/>). It passes on an
/// HTTP status 200–399, a SERVING answer, an accepted connection, or the command's exit status 0 within <see cref="Timeout"/>. The daemon makes it every <see cref="Period"/> from <see cref="InitialDelay"/> after the run
/// starts, and never while the run is paused (a paused process answers nothing, and that is the pool's doing).
/// </summary>
[GenerateSerializer, Alias("orion.HealthProbe"), Immutable]
public sealed partial record HealthProbe
{
    /// <summary>The longest <see cref="Period"/>, <see cref="InitialDelay"/> and <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromHours(1);

    /// <summary>The longest <see cref="Command"/> and <see cref="Path"/>.</summary>
    public const int MaxLength = 1000;

    /// <summary>The longest <see cref="Service"/>.</summary>
    public const int MaxServiceLength = 200;

    /// <summary>The most <see cref="FailureThreshold"/>.</summary>
    public const int MaxFailures = 100;

    /// <summary>The form <see cref="Parse"/> takes, as errors say it.</summary>
    public const string Rule = "must be :PORT or :PORT/PATH (an HTTP GET on the node's loopback, port 1 to 65535), grpc:PORT or grpc:PORT/SERVICE (a gRPC health check there), tcp:PORT (a TCP connection there) or a command to run";

    /// <summary>The loopback port of an HTTP or TCP probe (1 to 65535); null for a command probe.</summary>
    [Id(0)]
    public int? Port { get; init; }

    /// <summary>The path an HTTP probe asks for (from <c>/</c>, no spaces; default <c>/</c>).</summary>
    [Id(1)]
    public string? Path { get; init; }

    /// <summary>The command of a command probe (run with <c>/bin/sh -c</c>); null for an HTTP probe.</summary>
    [Id(2)]
    public string? Command { get; init; }

    /// <summary>How often the probe runs (1 s to 1 h; default 10 s).</summary>
    [Id(3)]
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one probe may take before it counts as failed (1 s to its period; default 1 s).</summary>
    [Id(4)]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many failures in a row count (1 to 100; default 3): a ready run turns not ready, a live one is stopped. A pass
    /// sets the count back to 0.
    /// </summary>
    [Id(5)]
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long after the run starts the first probe waits (0 to 1 h; default 0): a server loading its weights.</summary>
    [Id(6)]
    public TimeSpan InitialDelay { get; init; }

    /// <summary>A TCP probe: it passes once a connection to <see cref="Port"/> is accepted, and sends nothing.</summary>
    [Id(7)]
    public bool Tcp { get; init; }

    /// <summary>A gRPC probe: it calls <c>grpc.health.v1.Health/Check</c> on <see cref="Port"/> and passes on SERVING.</summary>
    [Id(8)]
    public bool Grpc { get; init; }

    /// <summary>The service a gRPC probe asks about (as <c>HealthCheckRequest.service</c>); null or empty: the server as a whole.</summary>
    [Id(9)]
    public string? Service { get; init; }

    /// <summary>An HTTP GET of <paramref name="path"/> on the node's loopback at <paramref name="port"/>.</summary>
    public static HealthProbe Http(int port, string path = "/") => new() { Port = port, Path = path };

    /// <summary>A gRPC health check (<c>grpc.health.v1</c>) of a server on the node's loopback, of <paramref name="service"/> or the server as a whole.</summary>
    public static HealthProbe GrpcHealth(int port, string? service = null) => new() { Port = port, Grpc = true, Service = service };

    /// <summary>A TCP connection to a port on the node's loopback, closed once accepted.</summary>
    public static HealthProbe TcpSocket(int port) => new() { Port = port, Tcp = true };

    /// <summary>A command, run with <c>/bin/sh -c</c> in the task's environment and working directory.</summary>
    public static HealthProbe Exec(string command) => new() { Command = command };

    /// <summary>
    /// A probe with the default timing from its short form: <c>:8000/health</c> (or <c>:8000</c>) for an HTTP GET on the
    /// node's loopback, <c>tcp:6379</c> for a TCP connection there, anything else a command; null for an empty text or a bad port.
    /// </summary>
    public static HealthProbe? Parse(string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }

        if (t.StartsWith("grpc:", StringComparison.Ordinal))
        {
            var slash = t.IndexOf('/', StringComparison.Ordinal);
            var portText = slash < 0 ? t[5..] : t[5..slash];
            return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var grpc) && grpc is >= 1 and <= 65535
                ? GrpcHealth(grpc, slash < 0 || slash == t.Length - 1 ? null : t[(slash + 1)..])
                : null;
        }

        if (t.StartsWith("tcp:", StringComparison.Ordinal))
        {
            return int.TryParse(t.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var tcp) && tcp is >= 1 and <= 65535 ? TcpSocket(tcp) : null;
        }

        if (t[0] != ':' || t.Length < 2 || !char.IsAsciiDigit(t[1]))
        {
            return Exec(t);
        }

        var match = ShortHttp().Match(t);
        return match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? Http(port, match.Groups[2].Success ? match.Groups[2].Value : "/")
            : null;
    }

    /// <summary>What it checks: <c>GET :8000/health</c>, <c>TCP :6379</c>, or the command.</summary>
    public string Target => Port is { } port
        ? Tcp ? $"TCP :{port}" : Grpc ? $"gRPC :{port}{(string.IsNullOrEmpty(Service) ? "" : $" ({Service})")}" : $"GET :{port}{Path ?? "/"}"
        : Command ?? "";

    /// <summary>"GET :8000/health every 10s (timeout 1s, 3 failures[, first after 30s])", or the command in its place.</summary>
    public override string ToString() =>
        $"{Target} every {Durations.Format(Period)} (timeout {Durations.Format(Timeout)}, {FailureThreshold} failure{(FailureThreshold == 1 ? "" : "s")}{(InitialDelay > TimeSpan.Zero ? $", first after {Durations.Format(InitialDelay)}" : "")})";

    /// <summary>Every rule the probe breaks, each field under <paramref name="field"/> (<c>readiness</c>, <c>liveness</c>).</summary>
    public IEnumerable<ValidationError> Check(string field)
    {
        if ((Port is null) == (Command is null))
        {
            yield return new(field, "must give a port (an HTTP GET or a TCP connection on the node's loopback) or a command, one of them");
        }

        if (Tcp && Port is null)
        {
            yield return new($"{field}.tcp", "needs a port: a TCP probe connects to one on the node's loopback");
        }

        if (Grpc && (Port is null || Tcp))
        {
            yield return new($"{field}.grpc", "needs a port and no tcp: a gRPC probe calls a health service on the node's loopback");
        }

        if (Service is { } service && (!Grpc || service.Length > MaxServiceLength || service.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            yield return new($"{field}.service", Grpc ? $"must have no spaces (at most {MaxServiceLength} characters)" : "applies to a gRPC probe only");
        }

        if (Port is { } port && port is < 1 or > 65535)
        {
            yield return new($"{field}.port", "must be 1 to 65535");
        }

        if (Path is { } path && (Port is null || Tcp || Grpc || !path.StartsWith('/') || path.Length > MaxLength || path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            yield return new($"{field}.path", Port is null || Tcp || Grpc ? "applies to an HTTP probe (with a port) only" : $"must start with / and have no spaces (at most {MaxLength} characters)");
        }

        if (Command is { } command && (string.IsNullOrWhiteSpace(command) || command.Length > MaxLength || command.Contains('\0')))
        {
            yield return new($"{field}.command", $"must be 1 to {MaxLength} characters");
        }

        if (Period < TimeSpan.FromSeconds(1) || Period > MaxTime)
        {
            yield return new($"{field}.period", "must be 1 second to 1 hour");
        }

        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > MaxTime || Timeout > Period)
        {
            yield return new($"{field}.timeout", "must be 1 second to its period");
        }

        if (FailureThreshold is < 1 or > MaxFailures)
        {
            yield return new($"{field}.failureThreshold", $"must be 1 to {MaxFailures}");
        }

        if (InitialDelay < TimeSpan.Zero || InitialDelay > MaxTime)
        {
            yield return new($"{field}.initialDelay", "must be 0 to 1 hour");
        }
    }

    [GeneratedRegex(@"^:([0-9]{1,5})(/\S*)?$")]
    private static partial Regex ShortHttp();
}
