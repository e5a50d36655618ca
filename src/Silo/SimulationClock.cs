namespace Orion.Silo;

/// <summary>
/// The key of the <see cref="TimeProvider"/> the simulated GPUs run on. Kept apart from the host's clock so a
/// test can drive the simulation in fake time without slowing Orleans' own timers.
/// </summary>
public static class SimulationClock
{
    public const string Key = "orion.simulation";
}
