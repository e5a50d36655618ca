using Orion.Cli;
using Orion.Contracts;

namespace Orion.Tests.Cli;

/// <summary>A spec file's deployment: section, as <c>orion deploy -f</c> reads it, and flags over it.</summary>
public sealed class DeploymentFileTests
{
    private static readonly DeploymentStrategy Strategy = new()
    {
        MaxSurge = ReplicaCount.Share(25), MaxUnavailable = 0, DisruptionBudget = 2, MinReady = TimeSpan.FromSeconds(30),
        ProgressDeadline = TimeSpan.FromMinutes(10), RollBackOnFailure = true,
    };

    [Fact]
    public void A_yaml_section_in_blocks_or_inline_and_json_say_the_same()
    {
        const string blocks = """
            name: chat
            priority: online
            deployment:
              replicas: 2
              autoscale:
                min: 2
                max: 8
                metric: vllm:num_requests_waiting
                target: 5
                at: ":8000"
              strategy:
                max-surge: 25%
                max-unavailable: 0
                disruption-budget: 2
                min-ready: 30s
                progress-deadline: 10m
                rollback-on-failure: true
            """;
        const string inline = """
            name: chat
            priority: online
            deployment:
              replicas: 2
              autoscale: {min: 2, max: 8, metric: "vllm:num_requests_waiting", target: 5, at: ":8000"}
              strategy: {max-surge: 25%, max-unavailable: 0, disruption-budget: 2, min-ready: 30s, progress-deadline: 10m, rollback-on-failure: true}
            """;
        const string json = """
            {"name": "chat", "priority": "online", "deployment": {"replicas": 2,
              "autoscale": {"min": 2, "max": 8, "metric": "vllm:num_requests_waiting", "target": 5, "at": ":8000"},
              "strategy": {"maxSurge": "25%", "maxUnavailable": 0, "disruptionBudget": 2, "minReady": "30s", "progressDeadline": "10m", "rollbackOnFailure": true}}}
            """;
        var expected = (2, new AutoscaleSpec(2, 8, Metric: new ScaleMetric("vllm:num_requests_waiting", 5, 8000)), Strategy);
        foreach (var (text, source) in new[] { (blocks, "chat.yaml"), (inline, "chat.yaml"), (json, "chat.json") })
        {
            var file = SpecBuilder.Parse(text, source);
            Assert.Equal(expected, file.Deployment!.Build());
            Assert.Equal(PriorityClass.Online, SpecBuilder.Build(file).Priority.Class);
        }
    }

    [Fact]
    public void Inline_keys_are_converted_but_never_a_value_that_looks_like_one()
    {
        var file = SpecBuilder.Parse("""
            command: "echo {max-surge: 1}, min-ready: x"
            env: {NOTE: "a, max-surge: 1", OTHER: 'it''s {min-ready: 2}'}
            readiness: {get: ":8000/health", every: 5s}
            deployment: {replicas: 3, strategy: {max-surge: 2}}
            """, "f.yaml");
        Assert.Equal("echo {max-surge: 1}, min-ready: x", file.Command);
        Assert.Equal(new Dictionary<string, string> { ["NOTE"] = "a, max-surge: 1", ["OTHER"] = "it's {min-ready: 2}" }, file.Env);
        Assert.Equal((3, null, new DeploymentStrategy { MaxSurge = 2 }), file.Deployment!.Build());
    }

    [Fact]
    public void A_flag_replaces_its_key_and_leaves_the_others()
    {
        var file = SpecBuilder.Parse("""
            deployment:
              replicas: 2
              autoscale: {max: 8, target-busy: 60}
              strategy: {max-surge: 0, max-unavailable: 1}
            """, "f.yaml").Deployment;
        var flags = new DeploymentFile { Replicas = 4, Autoscale = new AutoscaleFile { Min = 3 }, Strategy = new StrategyFile { MinReady = "1m" } };
        Assert.Equal(
            (4, new AutoscaleSpec(3, 8, 60), new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1, MinReady = TimeSpan.FromMinutes(1) }),
            flags.Over(file).Build());
        Assert.Equal((1, null, null), new DeploymentFile().Over(null).Build());
    }

    [Theory]
    [InlineData("deployment: {autoscale: {min: 2}}", "--max-replicas (autoscale.max): must be given to scale a deployment by demand (with --min-replicas, --target-busy or --scale-metric)")]
    [InlineData("deployment: {autoscale: {max: 4, metric: q, target: 5}}", "--metrics-at (autoscale.at): must be given with a metric (:PORT or :PORT/PATH, where each replica serves its metrics)")]
    [InlineData("deployment: {autoscale: {max: 4, metric: q, at: ':80'}}", "--target-value (autoscale.target): must be given with a metric (the value to keep each replica at)")]
    [InlineData("deployment: {autoscale: {max: 4, metric: q, target: 5, at: 'localhost'}}", "--metrics-at (autoscale.at): 'localhost' must be :PORT or :PORT/PATH (port 1 to 65535)")]
    [InlineData("deployment: {autoscale: {max: 4, metric: q, target: 5, at: ':80', target-busy: 50}}", "--target-busy (autoscale.target-busy): scales on busy time; with a metric the target is --target-value (autoscale.target)")]
    [InlineData("deployment: {autoscale: {max: 4, target: 5}}", "--target-value, --metrics-at (autoscale.target, autoscale.at): go with a metric (--scale-metric, autoscale.metric)")]
    [InlineData("deployment: {strategy: {max-surge: lots}}", "--max-surge (strategy.max-surge): 'lots' " + ReplicaCount.Rule)]
    [InlineData("deployment: {strategy: {min-ready: soon}}", "--min-ready (strategy.min-ready): 'soon' " + Durations.Rule)]
    public void A_key_without_its_partner_or_not_of_its_form_is_bad_input_naming_it(string yaml, string message)
    {
        var ex = Assert.Throws<CliException>(() => SpecBuilder.Parse(yaml, "f.yaml").Deployment!.Build());
        Assert.Equal((ExitCodes.BadInput, message), (ex.ExitCode, ex.Message));
    }

    [Fact]
    public void An_unknown_key_in_the_section_is_refused_by_the_parser()
    {
        var ex = Assert.Throws<CliException>(() => SpecBuilder.Parse("deployment: {replica: 2}", "f.yaml"));
        Assert.StartsWith("f.yaml: ", ex.Message);
    }
}
