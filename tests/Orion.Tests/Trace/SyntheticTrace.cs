using System.Globalization;
using System.Text;

namespace Orion.Tests.Trace;

/// <summary>Writes small trace files in the openb format to a temporary folder (the real trace is never copied into the project).</summary>
public sealed class SyntheticTrace : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "orion-trace-" + Guid.NewGuid().ToString("N"));

    public SyntheticTrace()
    {
        Directory.CreateDirectory(folder);
    }

    /// <summary>A node file: one row per (cpu, memory, gpus, model).</summary>
    public string Nodes(params (long Cpu, long Memory, int Gpus, string Model)[] nodes)
    {
        var sb = new StringBuilder("sn,cpu_milli,memory_mib,gpu,model\n");
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            sb.Append(CultureInfo.InvariantCulture, $"node-{i:D4},{n.Cpu},{n.Memory},{n.Gpus},{n.Model}\n");
        }

        return Write("nodes.csv", sb);
    }

    /// <summary>A pod file with all the openb columns, or (<paramref name="withSpec"/> false) without gpu_spec and the columns after it.</summary>
    public string Pods(bool withSpec, params (long Cpu, long Memory, int Gpus, int Milli, string Spec)[] pods)
    {
        var sb = new StringBuilder(withSpec
            ? "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
            : "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n");
        for (var i = 0; i < pods.Length; i++)
        {
            var p = pods[i];
            sb.Append(CultureInfo.InvariantCulture, $"pod-{i:D4},{p.Cpu},{p.Memory},{p.Gpus},{p.Milli}");
            sb.Append(withSpec ? $",{p.Spec},LS,Running,{i},{i + 100},{i}\n" : "\n");
        }

        return Write(withSpec ? "pods.csv" : "pods-short.csv", sb);
    }

    /// <summary>A mixed cluster and workload: slices, whole cards, multi-card pods, CPU-only pods, model constraints.</summary>
    public (string Nodes, string Pods) Mixed()
    {
        var nodes = Nodes(
            (32_000, 131_072, 8, "G2"), (32_000, 131_072, 8, "G2"), (64_000, 262_144, 2, "T4"), (16_000, 65_536, 2, "T4"),
            (8_000, 32_768, 1, "V100M16"), (48_000, 196_608, 4, "V100M32"));
        var pods = Pods(
            true,
            (4000, 16_384, 1, 1000, ""), (2000, 8192, 1, 500, ""), (3000, 8192, 1, 810, ""), (1000, 4096, 1, 250, "T4"),
            (8000, 32_768, 0, 0, ""), (16_000, 65_536, 8, 1000, ""), (6000, 24_576, 2, 1000, "V100M32|G2"), (1000, 2048, 1, 160, ""),
            (12_000, 49_152, 4, 1000, ""), (2000, 8192, 1, 470, "T4|V100M16"));
        return (nodes, pods);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, StringBuilder sb)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
