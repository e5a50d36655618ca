namespace Orion.Grains.Scheduling;

/// <summary>Whether a placement must let the task's memory be on the device at once, and at whose cost.</summary>
public enum Residency
{
    /// <summary>Any card that fits, even one where the task waits in host RAM for device memory.</summary>
    Any,

    /// <summary>The device holds it beside everything else on the card: nobody's pages move.</summary>
    Untouched,

    /// <summary>The device holds it once idle online services' swappable pages move to host RAM.</summary>
    ReclaimingIdleOnline,
}
