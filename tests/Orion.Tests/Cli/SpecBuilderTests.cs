using Orion.Cli;
using Orion.Contracts;

namespace Orion.Tests.Cli;

public sealed class SpecBuilderTests
{
    [Theory]
    [InlineData("512", 512)]
    [InlineData("30GiB", 30_720)]
    [InlineData("1.5G", 1536)]
    [InlineData("2 MiB", 2)]
    [InlineData("1TiB", 1_048_576)]
    public void Sizes_are_MiB_unless_a_unit_says_otherwise(string text, long mib) => Assert.Equal(mib, SpecBuilder.ParseMiB(text, "memory"));

    [Theory]
    [InlineData("30GB")]
    [InlineData("lots")]
    [InlineData("")]
    public void A_size_that_is_not_one_is_bad_input_naming_the_field(string text)
    {
        var ex = Assert.Throws<CliException>(() => SpecBuilder.ParseMiB(text, "memory"));
        Assert.Equal(ExitCodes.BadInput, ex.ExitCode);
        Assert.StartsWith("memory:", ex.Message);
    }

    [Theory]
    [InlineData("online", PriorityClass.Online, 0)]
    [InlineData("Offline/5", PriorityClass.Offline, 5)]
    [InlineData("training/1000", PriorityClass.Training, 1000)]
    public void Priorities_parse_class_and_level(string text, PriorityClass cls, int level) =>
        Assert.Equal(new TaskPriority(cls, level), SpecBuilder.ParsePriority(text));

    [Theory]
    [InlineData("urgent")]
    [InlineData("2")]
    [InlineData("online/1001")]
    [InlineData("online/-1")]
    public void Bad_priorities_are_bad_input(string text) =>
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => SpecBuilder.ParsePriority(text)).ExitCode);

    [Fact]
    public void A_spread_group_builds_with_one_per_node_unless_max_per_node_says_otherwise()
    {
        Assert.Equal(new SpreadSpec("web", 1), SpecBuilder.Build(SpecBuilder.Parse("spread: web", "f.yaml")).Constraints.Spread);
        Assert.Equal(new SpreadSpec("web", 3), SpecBuilder.Build(SpecBuilder.Parse("spread: web\nmax-per-domain: 3", "f.yaml")).Constraints.Spread);
        Assert.Null(SpecBuilder.Build(new SpecFile()).Constraints.Spread);
        Assert.Equal(new SpreadSpec("web", 2, Preferred: true), SpecBuilder.Build(SpecBuilder.Parse("spread: web\nmax-per-domain: 2\nspread-preferred: true", "f.yaml")).Constraints.Spread);
        Assert.Equal("spread-preferred: applies to a spread group; give spread too",
            Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { SpreadPreferred = true })).Message);
        var selected = SpecBuilder.Build(SpecBuilder.Parse("node-selector: {fabric: nvlink, rack: r7}", "f.yaml")).Constraints.NodeSelector!;
        Assert.Equal(["fabric=nvlink", "rack=r7"], selected.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"));
        Assert.Null(SpecBuilder.Build(new SpecFile()).Constraints.NodeSelector);
        Assert.Equal(["dedicated=training", "gpu-test"], SpecBuilder.Build(SpecBuilder.Parse("tolerations: [dedicated=training, gpu-test]", "f.yaml")).Constraints.Tolerations!);
        Assert.Null(SpecBuilder.Build(new SpecFile()).Constraints.Tolerations);
        Assert.Equal(["zone=a"], SpecBuilder.Build(SpecBuilder.Parse("preferred-node-affinity: [zone=a]", "f.yaml")).Constraints.PreferredNodeAffinity!);
        Assert.Equal(["zone in (a,b)", "!flaky"], SpecBuilder.Build(SpecBuilder.Parse("node-affinity: [\"zone in (a,b)\", \"!flaky\"]", "f.yaml")).Constraints.NodeAffinity!);
        Assert.Equal(new SpreadSpec("web", 2, TopologyKey: "zone"), SpecBuilder.Build(SpecBuilder.Parse("spread: web\nmax-per-domain: 2\ntopology-key: zone", "f.yaml")).Constraints.Spread);
        Assert.Equal("topology-key: applies to a spread group; give spread too", Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { TopologyKey = "zone" })).Message);
        var lone = Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { MaxPerDomain = 2 }));
        Assert.Equal((ExitCodes.BadInput, "max-per-domain: applies to a spread group; give spread too"), (lone.ExitCode, lone.Message));
    }

    [Fact]
    public void A_yaml_file_with_flag_spelling_builds_the_spec_and_flags_override_it()
    {
        var file = SpecBuilder.Parse("""
            # nightly embeddings
            name: embed
            tenant: search
            priority: offline/3
            compute: 50
            memory: 30GiB
            host-memory: 16GiB
            cpu: 4000
            models: [A100-80GB, H100-80GB]
            kind: batch
            items: 200
            ms-per-item: 40
            """, "spec.yaml");
        var spec = SpecBuilder.Build(new SpecFile { Tenant = "ads" }.Over(file));

        Assert.Equal("embed", spec.Name);
        Assert.Equal("ads", spec.Tenant);
        Assert.Equal(new TaskPriority(PriorityClass.Offline, 3), spec.Priority);
        Assert.Equal(ResourceRequest.Slice(50, 30_720, 4000, 16_384), spec.Resources);
        Assert.Equal(["A100-80GB", "H100-80GB"], spec.Constraints.GpuModels.ToArray());
        Assert.Equal(WorkloadSpec.Batch(200, 40), spec.Workload);
        Assert.Empty(SpecValidator.Validate(spec));
    }

    [Fact]
    public void A_json_file_builds_the_same_way_and_whole_cards_ignore_compute()
    {
        var spec = SpecBuilder.Build(SpecBuilder.Parse("""{ "name": "train", "tenant": "research", "priority": "training", "gpus": 2, "kind": "training", "items": 10, "msPerItem": 5, "memory": "40GiB" }""", "spec.json"));
        Assert.Equal(ResourceRequest.WholeGpus(2), spec.Resources);
        Assert.Equal(WorkloadSpec.Training(10, 5, 40_960), spec.Workload);
    }

    [Fact]
    public void Malformed_files_and_unknown_kinds_are_bad_input()
    {
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => SpecBuilder.Parse("{ \"name\": ", "x.json")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => SpecBuilder.Parse("name: [unclosed", "x.yaml")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { Kind = "magic" })).ExitCode);
    }

    [Fact]
    public void A_command_makes_a_process_task_and_a_process_needs_one()
    {
        var spec = SpecBuilder.Build(SpecBuilder.Parse("name: serve\ncompute: 25\ncommand: python serve.py --port 8000\n", "spec.yaml"));
        Assert.Equal(WorkloadSpec.Process("python serve.py --port 8000"), spec.Workload);
        Assert.Equal(WorkloadSpec.Process("./train.sh"), SpecBuilder.Build(new SpecFile { Kind = "Process", Command = "./train.sh" }).Workload);

        var missing = Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { Kind = "process" }));
        Assert.Equal((ExitCodes.BadInput, "command: is required for kind process (the command line to run)"), (missing.ExitCode, missing.Message));
        var stray = Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { Kind = "batch", Command = "./train.sh" }));
        Assert.Equal((ExitCodes.BadInput, "command: only a process task runs a command, not kind batch"), (stray.ExitCode, stray.Message));
    }

    [Fact]
    public void No_gpus_builds_a_cpu_only_request_the_validator_accepts()
    {
        var spec = SpecBuilder.Build(new SpecFile { Gpus = 0, Cpu = 2000, Command = "./etl.sh" });
        Assert.Equal(new ResourceRequest(0, 0, 0, 2000), spec.Resources);
        Assert.Empty(SpecValidator.Validate(spec));
    }

    [Fact]
    public void No_gpus_with_gpu_memory_is_left_for_the_validator_to_name()
    {
        var spec = SpecBuilder.Build(new SpecFile { Gpus = 0, Cpu = 2000, Memory = "1GiB", Command = "./etl.sh" });
        Assert.Contains(new ValidationError("resources.gpuMemoryMiB", "must be 0 when resources.gpuCount is 0"), SpecValidator.Validate(spec));
    }

    [Theory]
    [InlineData(150)]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_compute_out_of_range_reaches_the_validator_unchanged(double compute)
    {
        var spec = SpecBuilder.Build(new SpecFile { Compute = compute });
        Assert.Equal(compute, spec.Resources.ComputePercent);
        Assert.Contains(new ValidationError("resources.computePercent", "must be in (0, 100] when resources.gpuCount is 1"), SpecValidator.Validate(spec));
    }

    [Fact]
    public void A_compute_of_100_on_one_gpu_is_the_whole_card() =>
        Assert.Equal(ResourceRequest.WholeGpus(1), SpecBuilder.Build(new SpecFile { Compute = 100 }).Resources);

    [Fact]
    public void A_pipeline_step_builds_with_what_it_runs_after_its_limit_and_its_restarts()
    {
        var spec = SpecBuilder.Build(SpecBuilder.Parse("after: [prep, shard-1]\nmax-runtime: 1h30m\nrestart: on-failure:5", "f.yaml"));
        Assert.Equal(["prep", "shard-1"], spec.After!);
        Assert.Equal(AfterCondition.Completed, spec.AfterCondition);
        Assert.Equal(AfterCondition.Ended, SpecBuilder.Build(SpecBuilder.Parse("after: [prep]\nafter-condition: ended", "f.yaml")).AfterCondition);
        Assert.Equal(AfterCondition.Failed, SpecBuilder.Build(new SpecFile { After = ["prep"], AfterCondition = "Failed" }).AfterCondition);
        Assert.Equal(TimeSpan.FromMinutes(90), spec.MaxRuntime);
        Assert.Equal("https://hooks.example.com/t/1", SpecBuilder.Build(SpecBuilder.Parse("notify: https://hooks.example.com/t/1", "f.yaml")).Notify);
        Assert.True(SpecBuilder.Build(SpecBuilder.Parse("notify: https://hooks.example.com/t/1\nnotify-start: true", "f.yaml")).NotifyOnStart);
        Assert.False(SpecBuilder.Build(SpecBuilder.Parse("notify: https://hooks.example.com/t/1", "f.yaml")).NotifyOnStart);
        Assert.Equal((true, false), (SpecBuilder.Build(SpecBuilder.Parse("stay-put: true", "f.yaml")).StayPut, SpecBuilder.Build(new SpecFile()).StayPut));
        Assert.Equal(RestartPolicy.OnFailure(5), spec.Restart);
        var plain = SpecBuilder.Build(new SpecFile());
        Assert.Equal((null, null, null), (plain.After, plain.MaxRuntime, plain.Restart));
        Assert.Equal(RestartPolicy.OnFailure(3), SpecBuilder.Build(new SpecFile { Restart = "on-failure" }).Restart);
        Assert.Equal(RestartPolicy.Never, SpecBuilder.Build(new SpecFile { Restart = "never" }).Restart);
        Assert.Equal(RestartPolicy.OnFailure(4, TimeSpan.FromSeconds(30)), SpecBuilder.Build(SpecBuilder.Parse("restart: on-failure:4:30s", "f.yaml")).Restart);
    }

    [Theory]
    [InlineData("max-runtime: 90", "max-runtime: '90' " + Durations.Rule)]
    [InlineData("after: [prep]\nafter-condition: afterany", "after-condition: 'afterany' " + SpecBuilder.AfterConditionRule)]
    [InlineData("restart: always", "restart: 'always' " + SpecBuilder.RestartRule)]
    [InlineData("restart: on-failure:0", "restart: 'on-failure:0' " + SpecBuilder.RestartRule)]
    [InlineData("restart: on-failure:101", "restart: 'on-failure:101' " + SpecBuilder.RestartRule)]
    [InlineData("restart: on-failure:3:6m", "restart: 'on-failure:3:6m' " + SpecBuilder.RestartRule)]
    [InlineData("restart: on-failure:3:soon", "restart: 'on-failure:3:soon' " + SpecBuilder.RestartRule)]
    public void A_bad_limit_or_restart_is_bad_input_naming_the_field(string yaml, string message)
    {
        var ex = Assert.Throws<CliException>(() => SpecBuilder.Build(SpecBuilder.Parse(yaml, "f.yaml")));
        Assert.Equal((ExitCodes.BadInput, message), (ex.ExitCode, ex.Message));
    }

    [Theory]
    [InlineData("prep", "prep")]
    [InlineData("embed-[0-2]", "embed-0,embed-1,embed-2")]
    [InlineData("run.[7-8].out", "run.7.out,run.8.out")]
    [InlineData("[3-3]", "3")]
    public void An_after_entry_is_an_id_or_a_range_of_job_array_ids(string entry, string ids) =>
        Assert.Equal(ids.Split(','), SpecBuilder.ExpandIds(entry)!);

    [Theory]
    [InlineData("a b")]
    [InlineData("embed-[2-1]")]
    [InlineData("embed-[0-1000]")]
    [InlineData("embed-[0-]")]
    [InlineData("embed/[0-1]")]
    [InlineData("")]
    public void Anything_else_is_not_an_after_entry(string entry) => Assert.Null(SpecBuilder.ExpandIds(entry));

    [Fact]
    public void A_process_task_builds_with_its_environment_and_working_directory_and_flags_add_to_the_files()
    {
        var file = SpecBuilder.Parse("command: python serve.py\nenv: {HF_HOME: /data/hf, PORT: '8000'}\nworkdir: /srv/app", "f.yaml");
        var spec = SpecBuilder.Build(new SpecFile { Env = new() { ["PORT"] = "9000", ["DEBUG"] = "1" } }.Over(file));
        Assert.Equal(WorkloadKind.Process, spec.Workload.Kind);
        Assert.Equal([("DEBUG", "1"), ("HF_HOME", "/data/hf"), ("PORT", "9000")], spec.Workload.Environment!.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)));
        Assert.Equal("/srv/app", spec.Workload.WorkingDirectory);
        Assert.Empty(SpecValidator.Validate(spec));

        // On another kind the validator names the field.
        var batch = SpecBuilder.Build(new SpecFile { Env = new() { ["X"] = "1" } });
        Assert.Equal("workload.environment", Assert.Single(SpecValidator.Validate(batch)).Field);
    }

    [Fact]
    public void A_join_over_a_job_array_builds_from_its_range()
    {
        var spec = SpecBuilder.Build(SpecBuilder.Parse("after: [\"shard-[0-3]\", prep]", "f.yaml"));
        Assert.Equal(["shard-0", "shard-1", "shard-2", "shard-3", "prep"], spec.After!);
        Assert.Equal("after: 'x y' " + SpecBuilder.AfterRule, Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { After = ["x y"] })).Message);
    }

    [Fact]
    public void Probes_build_from_a_files_map_with_their_timing_and_from_a_flags_short_form()
    {
        var yaml = """
            readiness:
              get: :8000/health
              every: 5s
              timeout: 2s
              failures: 2
              delay: 1m
            liveness: {command: "test -f /tmp/alive"}
            startup: {get: ":8000/health", failures: 60}
            """;
        var spec = SpecBuilder.Build(SpecBuilder.Parse(yaml, "f.yaml"));
        Assert.Equal(HealthProbe.Http(8000, "/health") with { Period = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(2), FailureThreshold = 2, InitialDelay = TimeSpan.FromMinutes(1) }, spec.Readiness);
        Assert.Equal(HealthProbe.Exec("test -f /tmp/alive"), spec.Liveness);
        Assert.Equal(HealthProbe.Http(8000, "/health") with { FailureThreshold = 60 }, spec.Startup);
        Assert.Equal(spec, SpecBuilder.Build(SpecBuilder.Parse("""{"readiness": {"get": ":8000/health", "every": "5s", "timeout": "2s", "failures": 2, "delay": "1m"}, "liveness": {"command": "test -f /tmp/alive"}, "startup": {"get": ":8000/health", "failures": 60}}""", "f.json")));

        // A TCP probe: a port, with the same timing keys.
        Assert.Equal(HealthProbe.TcpSocket(6379) with { Period = TimeSpan.FromSeconds(5) }, SpecBuilder.Build(SpecBuilder.Parse("readiness: {tcp: 6379, every: 5s}", "f.yaml")).Readiness);
        Assert.Equal(HealthProbe.TcpSocket(6379), SpecBuilder.Build(new SpecFile { Liveness = ProbeFile.Short("tcp:6379") }).Liveness);
        Assert.Equal(HealthProbe.GrpcHealth(9000, "inference.Model") with { FailureThreshold = 5 },
            SpecBuilder.Build(SpecBuilder.Parse("readiness: {grpc: 9000, service: inference.Model, failures: 5}", "f.yaml")).Readiness);
        Assert.Equal(HealthProbe.GrpcHealth(9000), SpecBuilder.Build(new SpecFile { Liveness = ProbeFile.Short("grpc:9000") }).Liveness);

        // A flag's short form replaces the file's probe whole.
        var flags = new SpecFile { Readiness = ProbeFile.Short(":9000"), Liveness = ProbeFile.Short("pgrep -f serve.py") }.Over(SpecBuilder.Parse(yaml, "f.yaml"));
        Assert.Equal((HealthProbe.Http(9000), HealthProbe.Exec("pgrep -f serve.py")), (SpecBuilder.Build(flags).Readiness, SpecBuilder.Build(flags).Liveness));
        Assert.Equal((null, null), (SpecBuilder.Build(new SpecFile()).Readiness, SpecBuilder.Build(new SpecFile()).Liveness));
    }

    [Theory]
    [InlineData("readiness: {get: ':0'}", "readiness.get: ':0' must be :PORT or :PORT/PATH (an HTTP GET on the node's loopback, port 1 to 65535)")]
    [InlineData("readiness: {get: 'localhost:80'}", "readiness.get: 'localhost:80' must be :PORT or :PORT/PATH (an HTTP GET on the node's loopback, port 1 to 65535)")]
    [InlineData("liveness: {get: ':80', command: 'true'}", "liveness: give one of get, grpc, tcp and command")]
    [InlineData("liveness: {get: ':80', tcp: 80}", "liveness: give one of get, grpc, tcp and command")]
    [InlineData("liveness: {grpc: 80, tcp: 80}", "liveness: give one of get, grpc, tcp and command")]
    [InlineData("liveness: {get: ':80', service: x}", "liveness.service: goes with grpc (the service a gRPC health check asks about)")]
    [InlineData("readiness: {get: 'tcp:80'}", "readiness.get: 'tcp:80' must be :PORT or :PORT/PATH (an HTTP GET on the node's loopback, port 1 to 65535)")]
    [InlineData("liveness: {command: 'true', every: 5}", "liveness.every: '5' " + Durations.Rule)]
    [InlineData("readiness: {command: 'true', delay: soon}", "readiness.delay: 'soon' " + Durations.Rule)]
    public void A_probe_not_of_its_form_is_bad_input_naming_the_field(string yaml, string message)
    {
        var ex = Assert.Throws<CliException>(() => SpecBuilder.Build(SpecBuilder.Parse(yaml, "f.yaml")));
        Assert.Equal((ExitCodes.BadInput, message), (ex.ExitCode, ex.Message));
    }

    [Fact]
    public void A_stop_grace_builds_from_a_duration_or_0_and_the_validator_bounds_it()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), SpecBuilder.Build(SpecBuilder.Parse("stop-grace: 30s", "f.yaml")).StopGrace);
        Assert.Equal(TimeSpan.Zero, SpecBuilder.Build(new SpecFile { StopGrace = "0" }).StopGrace);
        Assert.Null(SpecBuilder.Build(new SpecFile()).StopGrace);
        Assert.Equal("stop-grace: 'soon' " + Durations.Rule, Assert.Throws<CliException>(() => SpecBuilder.Build(new SpecFile { StopGrace = "soon" })).Message);
        Assert.Equal("stopGrace must be 0 to 1 hour", Assert.Single(SpecValidator.Validate(SpecBuilder.Build(new SpecFile { StopGrace = "1h1s" }))).ToString());
        Assert.Equal("stopGrace must be 0 to 1 hour", Assert.Single(SpecValidator.Validate(Specs.Batch() with { StopGrace = TimeSpan.FromSeconds(-1) })).ToString());
        Assert.Empty(SpecValidator.Validate(Specs.Batch() with { StopGrace = TimeSpan.FromHours(1) }));
    }

    [Fact]
    public void A_probe_of_its_form_that_breaks_a_rule_reaches_the_validator()
    {
        var spec = SpecBuilder.Build(SpecBuilder.Parse("command: python serve.py\nreadiness: {command: 'true', every: 2h}\nliveness: {}", "f.yaml"));
        Assert.Equal(["readiness.period", "liveness.command"], SpecValidator.Validate(spec).Select(e => e.Field));
    }
}
