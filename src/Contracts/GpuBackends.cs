namespace Orion.Contracts;

/// <summary>The daemons' backends by the names they register under (<see cref="NodeRegistration.Backend"/>).</summary>
public static class GpuBackends
{
    /// <summary>Simulated cards: they run the synthetic workloads (service, batch, training).</summary>
    public const string Simulated = "simulated";

    /// <summary>NVIDIA cards: they run processes (<see cref="WorkloadKind.Process"/>).</summary>
    public const string Nvidia = "nvidia";

    /// <summary>Slices held by the simulator's own model (hard caps).</summary>
    public const string EnforcedByModel = "model";

    /// <summary>Slices held by an NVIDIA MPS control daemon (thread percentage and pinned memory).</summary>
    public const string EnforcedByMps = "mps";

    /// <summary>Slices not enforced: tasks on a card time-share it.</summary>
    public const string NotEnforced = "none";

    /// <summary>Whether a node of this backend runs process workloads rather than synthetic ones.</summary>
    public static bool RunsProcesses(string backend) => string.Equals(backend, Nvidia, StringComparison.Ordinal);
}
