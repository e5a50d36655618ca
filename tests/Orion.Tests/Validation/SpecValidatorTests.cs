using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Tests.Validation;

public sealed class SpecValidatorTests
{
    [Fact]
    public void A_valid_slice_batch_training_and_service_pass()
    {
        Assert.Empty(SpecValidator.Validate(Specs.Batch()));
        Assert.Empty(SpecValidator.Validate(Specs.Training(4)));
        Assert.Empty(SpecValidator.Validate(Specs.Service()));
        Assert.Empty(SpecValidator.Validate(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0)));
        Assert.Empty(SpecValidator.Validate(Specs.Batch(computePercent: 12.5)));
        Assert.Empty(SpecValidator.Validate(Specs.Training(4) with { Gang = new GangSpec("llm-pretrain.run_7", GangSpec.MaxSize), Restart = RestartPolicy.OnFailure(3) }));
        Assert.Empty(SpecValidator.Validate(Specs.Service() with { Constraints = PlacementConstraints.SpreadOver("chat-api.v2", SpreadSpec.MaxPerDomainLimit, topologyKey: "topology.kubernetes.io/zone") }));
        Assert.Empty(SpecValidator.Validate(Specs.Batch() with { After = [.. Enumerable.Range(0, TaskSpec.MaxAfter).Select(i => $"shard-{i}")], MaxRuntime = TaskSpec.MaxRuntimeLimit }));
        Assert.Empty(SpecValidator.Validate(Specs.Batch() with { After = [], MaxRuntime = TimeSpan.FromSeconds(1) }));
        Assert.Empty(SpecValidator.Validate(Proc(("HF_HOME", "/data/hf"), ("_private", ""), ("CUDA_LAUNCH_BLOCKING", "1")) with
        {
            Workload = WorkloadSpec.Process("python serve.py") with
            {
                Environment = ImmutableDictionary<string, string>.Empty.Add("HF_HOME", "/data/hf").Add("CUDA_LAUNCH_BLOCKING", "1"),
                WorkingDirectory = "/srv/app",
            },
        }));
    }

    private static TaskSpec Proc(params (string Name, string Value)[] environment) =>
        Specs.Batch() with { Workload = WorkloadSpec.Process("run") with { Environment = environment.ToImmutableDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal) } };

    public static TheoryData<string, TaskSpec, string, string> Broken()
    {
        var ok = Specs.Batch();
        return new()
        {
            { "empty name", ok with { Name = "" }, "name", "is required" },
            { "notify not a url", ok with { Notify = "hooks/done" }, "notify", "must be an absolute http or https URL" },
            { "notify ftp", ok with { Notify = "ftp://hooks.example.com/done" }, "notify", "must be an absolute http or https URL" },
            { "notify user", ok with { Notify = "https://me:secret@hooks.example.com/done" }, "notify", "without a user name" },
            { "notify long", ok with { Notify = "https://hooks.example.com/" + new string('x', 2040) }, "notify", "at most 2048 characters" },
            { "long tenant", ok with { Tenant = new string('x', 101) }, "tenant", "at most 100" },
            { "level", ok with { Priority = new TaskPriority(PriorityClass.Offline, 1001) }, "priority.level", "0..1000" },
            { "class", ok with { Priority = new TaskPriority((PriorityClass)9) }, "priority.class", "one of" },
            { "compute above 100", ok with { Resources = ok.Resources with { ComputePercent = 150 } }, "resources.computePercent", "must be in (0, 100] when resources.gpuCount is 1" },
            { "compute zero", ok with { Resources = ok.Resources with { ComputePercent = 0 } }, "resources.computePercent", "(0, 100]" },
            { "compute step", ok with { Resources = ok.Resources with { ComputePercent = 33.33 } }, "resources.computePercent", "multiple of 0.1" },
            { "slice without memory", ok with { Resources = ok.Resources with { GpuMemoryMiB = 0 } }, "resources.gpuMemoryMiB", "must be positive" },
            { "negative memory", ok with { Resources = ok.Resources with { ComputePercent = 100, GpuMemoryMiB = -1 } }, "resources.gpuMemoryMiB", "must not be negative" },
            { "too many gpus", ok with { Resources = ResourceRequest.WholeGpus(17) }, "resources.gpuCount", "0..16" },
            { "negative gpus", ok with { Resources = ok.Resources with { GpuCount = -1 } }, "resources.gpuCount", "0..16" },
            { "multi gpu partial", ok with { Resources = new ResourceRequest(2, 50, 0) }, "resources.computePercent", "must be 100 when resources.gpuCount is above 1" },
            { "cpu only with compute", ok with { Resources = new ResourceRequest(0, 10, 0, 1000), Workload = WorkloadSpec.Service(1, 1) }, "resources.computePercent", "must be 0 when resources.gpuCount is 0" },
            { "cpu only batch", ok with { Resources = new ResourceRequest(0, 0, 0, 1000) }, "workload.kind", "needs a GPU" },
            { "negative cpu", ok with { Resources = ok.Resources with { CpuMilli = -5 } }, "resources.cpuMilli", "must not be negative" },
            { "negative host memory", ok with { Resources = ok.Resources with { HostMemoryMiB = -5 } }, "resources.hostMemoryMiB", "must not be negative" },
            { "empty model", ok with { Constraints = PlacementConstraints.Models("A100-80GB", " ") }, "constraints.gpuModels[1]", "must not be empty" },
            { "blank data centre", ok with { Constraints = PlacementConstraints.None with { DataCenter = " " } }, "constraints.dataCenter", "data-centre name" },
            { "data centre with a slash", ok with { Constraints = PlacementConstraints.None with { DataCenter = "dc1/x" } }, "constraints.dataCenter", "lower-case letters, digits" },
            { "data centre in capitals", ok with { Constraints = PlacementConstraints.None with { PreferredDataCenter = "DC1" } }, "constraints.preferredDataCenter", "lower-case letters, digits" },
            { "zero items", ok with { Workload = WorkloadSpec.Batch(0, 10) }, "workload.count", "at least 1" },
            { "zero ms", ok with { Workload = WorkloadSpec.Batch(5, 0) }, "workload.gpuMsPerUnit", "must be positive" },
            { "training memory above slice", ok with { Workload = WorkloadSpec.Training(5, 10, 9000) }, "workload.memoryMiB", "at most resources.gpuMemoryMiB" },
            { "process without command", ok with { Workload = WorkloadSpec.Process(" ") }, "workload.commandLine", "is required" },
            { "negative rps", ok with { Workload = WorkloadSpec.Service(-1, 1) }, "workload.requestsPerSecond", "must not be negative" },
            { "missing workload", ok with { Workload = null! }, "workload", "is required" },
            { "missing resources", ok with { Resources = null! }, "resources", "is required" },
            { "gang name with a slash", ok with { Gang = new GangSpec("job/1", 2) }, "gang.name", TaskIdFormat.Rule },
            { "gang of one", ok with { Gang = new GangSpec("job", 1) }, "gang.size", "must be 2..256" },
            { "gang too large", ok with { Gang = new GangSpec("job", 257) }, "gang.size", "must be 2..256" },
            { "gang on a schedule", ok with { Gang = new GangSpec("job", 2), Schedule = ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1)) }, "schedule", "must be null for a gang member" },
            { "spread group with a slash", ok with { Constraints = PlacementConstraints.SpreadOver("web/1") }, "constraints.spread.group", TaskIdFormat.Rule },
            { "spread group empty", ok with { Constraints = PlacementConstraints.SpreadOver("") }, "constraints.spread.group", TaskIdFormat.Rule },
            { "spread of none per node", ok with { Constraints = PlacementConstraints.SpreadOver("web", 0) }, "constraints.spread.maxPerDomain", "must be 1..1024" },
            { "spread too wide", ok with { Constraints = PlacementConstraints.SpreadOver("web", 1025) }, "constraints.spread.maxPerDomain", "must be 1..1024" },
            { "toleration with a space", ok with { Constraints = PlacementConstraints.None with { Tolerations = ["dedicated", "team=a b"] } }, "constraints.tolerations[1]", NodeTaints.TolerationRule },
            { "preferred node affinity half written", ok with { Constraints = PlacementConstraints.None with { PreferredNodeAffinity = ["zone notin"] } }, "constraints.preferredNodeAffinity[0]", NodeRequirement.Rule },
            { "node affinity half written", ok with { Constraints = PlacementConstraints.None with { NodeAffinity = ["!flaky", "zone in (a"] } }, "constraints.nodeAffinity[1]", NodeRequirement.Rule },
            { "too many tolerations", ok with { Constraints = PlacementConstraints.None with { Tolerations = [.. Enumerable.Range(0, 33).Select(i => $"k{i}")] } }, "constraints.tolerations", "must have at most 32 tolerations" },
            { "toleration of an empty key", ok with { Constraints = PlacementConstraints.None with { Tolerations = ["=ci"] } }, "constraints.tolerations[0]", NodeTaints.TolerationRule },
            { "spread over a bad label key", ok with { Constraints = PlacementConstraints.SpreadOver("web", topologyKey: "zone name") }, "constraints.spread.topologyKey",
                "must be null (one domain per node) or a node label key, which " + NodeLabels.KeyRule },
            { "environment on a batch", ok with { Workload = ok.Workload with { Environment = ImmutableDictionary<string, string>.Empty.Add("HF_HOME", "/data") } }, "workload.environment", "applies to a Process workload only" },
            { "working directory on a batch", ok with { Workload = ok.Workload with { WorkingDirectory = "/srv" } }, "workload.workingDirectory", "applies to a Process workload only" },
            { "environment naming the task's cards", Proc(("HF_HOME", "/data"), ("CUDA_VISIBLE_DEVICES", "0")), "workload.environment[CUDA_VISIBLE_DEVICES]", ProcessEnvironment.NameRule },
            { "environment naming the MPS cap", Proc(("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "100")), "workload.environment[CUDA_MPS_ACTIVE_THREAD_PERCENTAGE]", ProcessEnvironment.NameRule },
            { "environment naming an Orion variable", Proc(("ORION_TASK_ID", "x")), "workload.environment[ORION_TASK_ID]", ProcessEnvironment.NameRule },
            { "environment name not a shell name", Proc(("1X", "a")), "workload.environment[1X]", ProcessEnvironment.NameRule },
            { "environment value too long", Proc(("X", new string('a', 4097))), "workload.environment[X]", "must be a value of at most 4096 characters without NUL" },
            { "environment too large", ok with { Workload = WorkloadSpec.Process("run") with { Environment = Enumerable.Range(0, 129).ToImmutableDictionary(i => $"V{i}", i => "x") } }, "workload.environment", "must set at most 128 variables" },
            { "relative working directory", ok with { Workload = WorkloadSpec.Process("run") with { WorkingDirectory = "srv/app" } }, "workload.workingDirectory", "must be an absolute path (from /) of at most 4096 characters" },
            { "label with a space", ok with { Labels = ImmutableDictionary<string, string>.Empty.Add("sweep id", "s7") }, "labels[sweep id]", "key " + NodeLabels.KeyRule },
            { "after a bad id", ok with { After = ["prep", "a b"] }, "after", "'a b' is not a task id" },
            { "after a task twice", ok with { After = ["prep", "prep"] }, "after", "must not name a task twice" },
            { "after condition without after", ok with { AfterCondition = AfterCondition.Ended }, "afterCondition", "needs tasks to run after (after)" },
            { "after condition undefined", ok with { After = ["prep"], AfterCondition = (AfterCondition)7 }, "afterCondition", "must be Completed, Ended or Failed" },
            { "after too many", ok with { After = [.. Enumerable.Range(0, 1001).Select(i => $"t{i}")] }, "after", "at most 1000 tasks" },
            { "after on a schedule", ok with { After = ["prep"], Schedule = ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1)) }, "after", "must be empty for a scheduled task" },
            { "max runtime under a second", ok with { MaxRuntime = TimeSpan.FromMilliseconds(999) }, "maxRuntime", "must be 1 second to 365 days" },
            { "max runtime negative", ok with { MaxRuntime = TimeSpan.FromHours(-1) }, "maxRuntime", "must be 1 second to 365 days" },
            { "max runtime over a year", ok with { MaxRuntime = TimeSpan.FromDays(366) }, "maxRuntime", "must be 1 second to 365 days" },
            { "max runtime on a schedule", ok with { MaxRuntime = TimeSpan.FromHours(1), Schedule = ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1)) }, "maxRuntime", "its windows bound its runs" },
            { "idle timeout under a minute", ok with { IdleTimeout = TimeSpan.FromSeconds(59) }, "idleTimeout", "must be 1 minute to 365 days" },
            { "idle timeout over a year", ok with { IdleTimeout = TimeSpan.FromDays(366) }, "idleTimeout", "must be 1 minute to 365 days" },
            { "idle timeout on a schedule", ok with { IdleTimeout = TimeSpan.FromHours(1), Schedule = ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1)) }, "idleTimeout", "its windows end its runs" },
            { "restart backoff over five minutes", ok with { Restart = RestartPolicy.OnFailure(3, TimeSpan.FromMinutes(6)) }, "restart.backoff", "must be 0 to 5m" },
            { "restart backoff negative", ok with { Restart = RestartPolicy.OnFailure(3, TimeSpan.FromSeconds(-1)) }, "restart.backoff", "must be 0 to 5m" },
            { "gang failing fast", ok with { Gang = new GangSpec("job", 2), Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } }, "constraints.failIfUnplaceable", "must be false for a gang member" },
        };
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_rule_names_its_field_and_rule(string why, TaskSpec spec, string field, string rule)
    {
        var errors = SpecValidator.Validate(spec);
        var error = Assert.Single(errors, e => e.Field == field);
        Assert.True(error.Rule.Contains(rule, StringComparison.Ordinal), $"{why}: '{error.Rule}' does not say '{rule}'");
        Assert.StartsWith(field + " ", error.ToString());
    }

    [Fact]
    public void Every_broken_rule_is_reported_not_only_the_first()
    {
        var spec = Specs.Batch() with { Name = "", Resources = ResourceRequest.Slice(150, 0) };
        var fields = SpecValidator.Validate(spec).Select(e => e.Field).ToHashSet();
        Assert.Contains("name", fields);
        Assert.Contains("resources.computePercent", fields);
    }

    [Fact]
    public void Null_spec_is_an_error_not_an_exception() =>
        Assert.Equal("spec", Assert.Single(SpecValidator.Validate(null)).Field);

    [Fact]
    public void A_restart_backoff_doubles_per_restart_up_to_five_minutes()
    {
        var policy = RestartPolicy.OnFailure(100, TimeSpan.FromSeconds(10));
        Assert.Equal([10, 20, 40, 80, 160, 300, 300], Enumerable.Range(1, 7).Select(n => policy.DelayBefore(n).TotalSeconds));
        Assert.Equal(RestartPolicy.MaxBackoff, policy.DelayBefore(99));
        Assert.Equal(TimeSpan.Zero, RestartPolicy.OnFailure(3).DelayBefore(1));
        Assert.Equal(TimeSpan.Zero, policy.DelayBefore(0));
    }
}
