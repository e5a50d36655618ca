using Orion.Contracts;

namespace Orion.Tests.Probes;

/// <summary>A probe's short form, its words, and its rules, each naming its field.</summary>
public sealed class HealthProbeTests
{
    [Theory]
    [InlineData(":8000/health", 8000, "/health", null)]
    [InlineData(" :80 ", 80, "/", null)]
    [InlineData(":65535/a?b=c", 65535, "/a?b=c", null)]
    [InlineData("test -f /tmp/ready", null, null, "test -f /tmp/ready")]
    [InlineData(": ok", null, null, ": ok")]
    [InlineData("curl -sf localhost:8000/health", null, null, "curl -sf localhost:8000/health")]
    public void The_short_form_is_an_http_get_on_a_port_or_a_command(string text, int? port, string? path, string? command)
    {
        var probe = HealthProbe.Parse(text)!;
        Assert.Equal((port, path, command), (probe.Port, probe.Path, probe.Command));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 3, TimeSpan.Zero), (probe.Period, probe.Timeout, probe.FailureThreshold, probe.InitialDelay));
        Assert.Empty(probe.Check("readiness"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(":0")]
    [InlineData(":65536/health")]
    [InlineData(":80 /health")]
    [InlineData(":8x")]
    [InlineData("tcp:0")]
    [InlineData("tcp:")]
    [InlineData("tcp:70000")]
    [InlineData("tcp: 80")]
    public void A_short_form_with_a_bad_port_or_nothing_is_none(string text) => Assert.Null(HealthProbe.Parse(text));

    [Fact]
    public void Grpc_and_a_port_with_an_optional_service_is_a_grpc_probe()
    {
        Assert.Equal(HealthProbe.GrpcHealth(9000), HealthProbe.Parse("grpc:9000"));
        Assert.Equal(HealthProbe.GrpcHealth(9000), HealthProbe.Parse("grpc:9000/"));
        var probe = HealthProbe.Parse("grpc:9000/inference.Model")!;
        Assert.Equal((9000, true, "inference.Model", null), (probe.Port, probe.Grpc, probe.Service, probe.Path));
        Assert.Empty(probe.Check("readiness"));
        Assert.Equal("gRPC :9000 (inference.Model) every 10s (timeout 1s, 3 failures)", probe.ToString());
        Assert.Equal("gRPC :9000", HealthProbe.GrpcHealth(9000).Target);
        Assert.Null(HealthProbe.Parse("grpc:"));
        Assert.Null(HealthProbe.Parse("grpc:0/x"));
    }

    [Fact]
    public void Tcp_and_a_port_is_a_tcp_probe()
    {
        var probe = HealthProbe.Parse(" tcp:6379 ")!;
        Assert.Equal(HealthProbe.TcpSocket(6379), probe);
        Assert.Equal((6379, true, null, null), (probe.Port, probe.Tcp, probe.Path, probe.Command));
        Assert.Empty(probe.Check("readiness"));
        Assert.Equal("TCP :6379 every 10s (timeout 1s, 3 failures)", probe.ToString());
        Assert.False(HealthProbe.Parse(":6379")!.Tcp);
    }

    [Fact]
    public void Its_words_say_what_it_checks_and_when()
    {
        Assert.Equal("GET :8000/health every 10s (timeout 1s, 3 failures)", HealthProbe.Http(8000, "/health").ToString());
        Assert.Equal("test -f ready every 5s (timeout 2s, 1 failure, first after 30s)",
            (HealthProbe.Exec("test -f ready") with { Period = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(2), FailureThreshold = 1, InitialDelay = TimeSpan.FromSeconds(30) }).ToString());
    }

    public static TheoryData<HealthProbe, string, string> Broken => new()
    {
        { new HealthProbe(), "liveness", "must give a port (an HTTP GET or a TCP connection on the node's loopback) or a command, one of them" },
        { new HealthProbe { Port = 80, Command = "true" }, "liveness", "must give a port (an HTTP GET or a TCP connection on the node's loopback) or a command, one of them" },
        { HealthProbe.Http(0), "liveness.port", "must be 1 to 65535" },
        { HealthProbe.Http(70_000), "liveness.port", "must be 1 to 65535" },
        { HealthProbe.Http(80, "health"), "liveness.path", "must start with / and have no spaces (at most 1000 characters)" },
        { HealthProbe.Http(80, "/a b"), "liveness.path", "must start with / and have no spaces (at most 1000 characters)" },
        { HealthProbe.Exec("true") with { Path = "/x" }, "liveness.path", "applies to an HTTP probe (with a port) only" },
        { HealthProbe.TcpSocket(80) with { Path = "/x" }, "liveness.path", "applies to an HTTP probe (with a port) only" },
        { HealthProbe.Exec("true") with { Tcp = true }, "liveness.tcp", "needs a port: a TCP probe connects to one on the node's loopback" },
        { HealthProbe.TcpSocket(80) with { Grpc = true }, "liveness.grpc", "needs a port and no tcp: a gRPC probe calls a health service on the node's loopback" },
        { HealthProbe.GrpcHealth(80, "a b"), "liveness.service", "must have no spaces (at most 200 characters)" },
        { HealthProbe.Http(80) with { Service = "x" }, "liveness.service", "applies to a gRPC probe only" },
        { HealthProbe.GrpcHealth(80) with { Path = "/x" }, "liveness.path", "applies to an HTTP probe (with a port) only" },
        { HealthProbe.TcpSocket(0), "liveness.port", "must be 1 to 65535" },
        { HealthProbe.Exec(" "), "liveness.command", "must be 1 to 1000 characters" },
        { HealthProbe.Exec(new string('x', 1001)), "liveness.command", "must be 1 to 1000 characters" },
        { HealthProbe.Exec("true") with { Period = TimeSpan.FromHours(2) }, "liveness.period", "must be 1 second to 1 hour" },
        { HealthProbe.Exec("true") with { Timeout = TimeSpan.FromSeconds(11) }, "liveness.timeout", "must be 1 second to its period" },
        { HealthProbe.Exec("true") with { Timeout = TimeSpan.Zero }, "liveness.timeout", "must be 1 second to its period" },
        { HealthProbe.Exec("true") with { FailureThreshold = 0 }, "liveness.failureThreshold", "must be 1 to 100" },
        { HealthProbe.Exec("true") with { FailureThreshold = 101 }, "liveness.failureThreshold", "must be 1 to 100" },
        { HealthProbe.Exec("true") with { InitialDelay = TimeSpan.FromSeconds(-1) }, "liveness.initialDelay", "must be 0 to 1 hour" },
        { HealthProbe.Exec("true") with { InitialDelay = TimeSpan.FromMinutes(61) }, "liveness.initialDelay", "must be 0 to 1 hour" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_probe_that_breaks_a_rule_is_refused_naming_the_field(HealthProbe probe, string field, string rule) =>
        Assert.Equal(new ValidationError(field, rule), Assert.Single(probe.Check("liveness")));

    [Fact]
    public void A_spec_with_a_broken_probe_is_refused_naming_which_probe()
    {
        var process = Specs.Service() with { Workload = WorkloadSpec.Process("python serve.py") };
        var spec = process with { Readiness = HealthProbe.Http(0), Liveness = HealthProbe.Exec("true") with { FailureThreshold = 0 }, Startup = HealthProbe.Exec("") };
        Assert.Equal(
            [new ValidationError("startup.command", "must be 1 to 1000 characters"), new ValidationError("readiness.port", "must be 1 to 65535"), new ValidationError("liveness.failureThreshold", "must be 1 to 100")],
            SpecValidator.Validate(spec));
        Assert.Empty(SpecValidator.Validate(process with { Readiness = HealthProbe.Http(8000, "/ready"), Liveness = HealthProbe.Exec("true"), Startup = HealthProbe.Http(8000) }));
    }

    [Fact]
    public void A_command_probe_is_for_a_process_task_only_whose_commands_already_run_on_its_node()
    {
        Assert.Equal(
            [new ValidationError("liveness.command", "applies to a process task only (it runs on its node as the task's commands do); give other kinds an HTTP probe (a port)")],
            SpecValidator.Validate(Specs.Service() with { Readiness = HealthProbe.Http(8000), Liveness = HealthProbe.Exec("true") }));
        Assert.Empty(SpecValidator.Validate(Specs.Service() with { Readiness = HealthProbe.Http(8000), Liveness = HealthProbe.Http(8000, "/alive") }));
    }
}
