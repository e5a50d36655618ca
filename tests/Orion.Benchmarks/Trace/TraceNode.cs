namespace Orion.Benchmarks.Trace;

/// <summary>One machine of a trace's node file.</summary>
/// <param name="Name">The node's serial name.</param>
/// <param name="CpuMilli">Host CPU in thousandths of a core.</param>
/// <param name="MemoryMiB">Host memory.</param>
/// <param name="Gpus">Cards on the node.</param>
/// <param name="Model">The cards' model, as the trace names it (opaque).</param>
public sealed record TraceNode(string Name, long CpuMilli, long MemoryMiB, int Gpus, string Model);
