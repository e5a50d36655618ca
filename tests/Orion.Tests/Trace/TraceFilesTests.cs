using Orion.Benchmarks.Trace;

namespace Orion.Tests.Trace;

public sealed class TraceFilesTests
{
    [Fact]
    public void Reads_nodes_and_pods_by_column_name_with_model_constraints()
    {
        using var trace = new SyntheticTrace();
        var nodes = TraceFiles.LoadNodes(trace.Nodes((96_000, 393_216, 8, "G2"), (104_000, 524_288, 2, "T4")));
        Assert.Equal([new TraceNode("node-0000", 96_000, 393_216, 8, "G2"), new TraceNode("node-0001", 104_000, 524_288, 2, "T4")], nodes);

        var pods = TraceFiles.LoadPods(trace.Pods(true, (6000, 12_288, 1, 460, ""), (12_000, 16_384, 1, 1000, "V100M32|T4"), (8000, 4096, 0, 0, ""), (64_000, 8192, 8, 1000, "")));
        Assert.Equal(4, pods.Count);
        Assert.Equal((1, 460, 460L), (pods[0].GpuCount, pods[0].GpuMilli, pods[0].RequestedGpuMilli));
        Assert.Empty(pods[0].GpuModels);
        Assert.Equal(["V100M32", "T4"], pods[1].GpuModels);
        Assert.Equal(0, pods[2].RequestedGpuMilli);
        Assert.Equal(8000, pods[3].RequestedGpuMilli);
    }

    [Fact]
    public void Pod_files_without_gpu_spec_and_later_columns_load_as_any_model()
    {
        using var trace = new SyntheticTrace();
        var pods = TraceFiles.LoadPods(trace.Pods(false, (6000, 12_288, 1, 460, ""), (12_000, 16_384, 2, 1000, "")));
        Assert.All(pods, p => Assert.Empty(p.GpuModels));
        Assert.Equal([460L, 2000L], pods.Select(p => p.RequestedGpuMilli));
    }

    [Fact]
    public void A_multi_gpu_pod_asking_for_a_share_is_refused()
    {
        using var trace = new SyntheticTrace();
        var path = trace.Pods(true, (1000, 1024, 2, 500, ""));
        var ex = Assert.Throws<FormatException>(() => TraceFiles.LoadPods(path));
        Assert.Contains("pod-0000", ex.Message);
    }

    [Fact]
    public void Trace_requests_never_let_gpu_memory_bind_before_compute()
    {
        var slice = TraceReplay.RequestOf(new TracePod("p", 1000, 1024, 1, 470, []));
        Assert.Equal((1, 470, 470L * TraceReplay.NominalGpuMemory / 1000), (slice.GpuCount, slice.ComputeMilli, slice.GpuMemoryMiB));

        var whole = TraceReplay.RequestOf(new TracePod("p", 1000, 1024, 4, 1000, ["G2"]));
        Assert.True(whole.IsExclusive);
        Assert.Equal(4000, whole.TotalGpuMilli);
        Assert.Equal(["G2"], whole.GpuModels);
    }
}
