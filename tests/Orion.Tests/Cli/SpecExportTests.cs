using System.Collections.Immutable;
using System.Text.Json;
using Orion.Cli;
using Orion.Contracts;

namespace Orion.Tests.Cli;

/// <summary>A spec written back as a spec file reads back to the very same spec; what a file cannot say is refused, never changed.</summary>
public sealed class SpecExportTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static TaskSpec Service() =>
        new("chat", "search", new TaskPriority(PriorityClass.Online, 5), new ResourceRequest(1, 30, 20_480, 4000, 16_384, AllowSwap: false),
            new PlacementConstraints(["A100-80GB", "H100-80GB"], "dc1", Spread: new SpreadSpec("chat", 2, Preferred: true, TopologyKey: "zone"),
                NodeSelector: ImmutableDictionary<string, string>.Empty.Add("fabric", "nvlink"), Tolerations: ["dedicated=serving"],
                NodeAffinity: ["zone in (a,b)"], PreferredNodeAffinity: ["!flaky"]),
            WorkloadSpec.Process("vllm serve llama --port 8000") with
            {
                Environment = ImmutableDictionary<string, string>.Empty.Add("HF_HOME", "/data/hf").Add("LOG_LEVEL", "debug"),
                WorkingDirectory = "/srv",
            },
            Restart: RestartPolicy.OnFailure(3, TimeSpan.FromSeconds(30)), MaxRuntime: TimeSpan.FromHours(36), IdleTimeout: TimeSpan.FromMinutes(30),
            Labels: ImmutableDictionary<string, string>.Empty.Add("app-name", "chat").Add("team", "search"),
            Notify: "https://hooks.example.com/x", NotifyOnStart: true, StayPut: true,
            Readiness: HealthProbe.Http(8000, "/health") with { Period = TimeSpan.FromSeconds(5), InitialDelay = TimeSpan.FromSeconds(30) },
            Liveness: HealthProbe.GrpcHealth(9000, "inference.Model") with { FailureThreshold = 5 },
            Startup: HealthProbe.TcpSocket(8000) with { Timeout = TimeSpan.FromSeconds(2) }, StopGrace: TimeSpan.Zero);

    public static TheoryData<string> Specs => ["service", "training", "batch", "cpu", "synthetic-service", "command-probe"];

    private static TaskSpec Spec(string which) => which switch
    {
        "service" => Service(),
        "training" => new TaskSpec("pretrain", "research", new TaskPriority(PriorityClass.Training), ResourceRequest.WholeGpus(8, 32_000, 262_144),
            PlacementConstraints.None, WorkloadSpec.Training(100_000, 400, 70 * 1024), Restart: RestartPolicy.Never, After: ["prep", "tokenize"], AfterCondition: AfterCondition.Failed),
        "batch" => new TaskSpec("embed", "default", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(25, 2048), PlacementConstraints.None, WorkloadSpec.Batch(5000, 12.5)),
        "cpu" => new TaskSpec("prep", "default", new TaskPriority(PriorityClass.Offline), new ResourceRequest(0, 0, 0, 2000, 4096), PlacementConstraints.None, WorkloadSpec.Process("python prep.py")),
        "synthetic-service" => new TaskSpec("svc", "default", new TaskPriority(PriorityClass.Online), ResourceRequest.Slice(20, 1024), PlacementConstraints.None, WorkloadSpec.Service(40, 5)),
        "command-probe" => new TaskSpec("job", "default", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(50, 4096), PlacementConstraints.None, WorkloadSpec.Process("python job.py"),
            Liveness: HealthProbe.Exec("test -f /tmp/alive") with { Period = TimeSpan.FromSeconds(30) }),
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void A_spec_written_as_a_file_reads_back_the_same(string which)
    {
        var spec = Spec(which);
        Assert.Empty(SpecValidator.Validate(spec));
        var yaml = SpecExport.Yaml(SpecExport.Of(spec));
        var read = SpecBuilder.Build(SpecBuilder.Parse(yaml, "exported.yaml"));
        Assert.Equal(JsonSerializer.Serialize(spec, Json), JsonSerializer.Serialize(read, Json));
    }

    [Fact]
    public void It_is_written_in_the_flags_kebab_case_keys_and_a_deployments_section_reads_back_too()
    {
        var strategy = new DeploymentStrategy { MaxSurge = ReplicaCount.Share(25), MaxUnavailable = 1, DisruptionBudget = 2, MinReady = TimeSpan.FromMinutes(3), ProgressDeadline = TimeSpan.FromMinutes(10), RollBackOnFailure = true };
        var autoscale = new AutoscaleSpec(2, 8, Metric: new ScaleMetric("vllm:num_requests_waiting{model_name=\"llama\"}", 5, 8000, "/stats"));
        var deployment = new DeploymentStatus("chat", Service(), 3, 4, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Autoscale: autoscale, Strategy: strategy);
        var yaml = SpecExport.Yaml(SpecExport.Of(Service(), deployment));
        Assert.Contains("max-runtime: 1d12h", yaml);
        Assert.Contains("max-surge: 25%", yaml);
        Assert.Contains("app-name: chat", yaml);
        Assert.Equal((3, autoscale, strategy), SpecBuilder.Parse(yaml, "chat.yaml").Deployment!.Build());

        // Busy-time scaling and the default strategy: only what differs is written.
        var busy = deployment with { Autoscale = new AutoscaleSpec(1, 4, 60), Strategy = DeploymentStrategy.Default };
        var plain = SpecExport.Yaml(SpecExport.Of(Service(), busy));
        Assert.DoesNotContain("strategy", plain);
        Assert.Equal((3, new AutoscaleSpec(1, 4, 60), null), SpecBuilder.Parse(plain, "chat.yaml").Deployment!.Build());
    }

    [Fact]
    public void What_a_file_cannot_say_is_refused_naming_it_never_written_as_something_else()
    {
        var scheduled = Service() with { Schedule = ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(6)) };
        Assert.Equal("this spec has a schedule, which a spec file cannot say: it is not written as one", Assert.Throws<CliException>(() => SpecExport.Of(scheduled)).Message);
        Assert.Contains("a gang", Assert.Throws<CliException>(() => SpecExport.Of(Service() with { Gang = new GangSpec("g", 2) })).Message);
        var fraction = Service() with { MaxRuntime = TimeSpan.FromMilliseconds(1500) };
        Assert.Equal("this spec has values a spec file cannot say exactly: it is not written as one", Assert.Throws<CliException>(() => SpecExport.Of(fraction)).Message);
    }

    [Fact]
    public void A_map_key_with_a_dash_in_a_block_stays_as_it_is()
    {
        var file = SpecBuilder.Parse("""
            labels:
              app-name: chat
              max-runtime: kept
            node-selector:
              max-per-domain: x
            deployment:
              strategy:
                max-surge: 2
            max-runtime: 2h
            """, "f.yaml");
        Assert.Equal(new Dictionary<string, string> { ["app-name"] = "chat", ["max-runtime"] = "kept" }, file.Labels);
        Assert.Equal(new Dictionary<string, string> { ["max-per-domain"] = "x" }, file.NodeSelector);
        Assert.Equal("2h", file.MaxRuntime);
        Assert.Equal("2", file.Deployment!.Strategy!.MaxSurge);
    }
}
