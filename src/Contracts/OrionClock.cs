namespace Orion.Contracts;

/// <summary>
/// The key of the keyed <see cref="TimeProvider"/> Orion's grains, daemons and simulated GPUs read. Kept apart
/// from the host's clock so tests (and a sped-up demo) can drive Orion in fake time without touching
/// Orleans' own timers.
/// </summary>
public static class OrionClock
{
    /// <summary>The service key.</summary>
    public const string Key = "orion.clock";
}
