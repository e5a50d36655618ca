namespace Orion.Contracts;

/// <summary>What happens to a scheduled task still running when its window closes.</summary>
[GenerateSerializer, Alias("orion.WindowClosePolicy")]
public enum WindowClosePolicy
{
    /// <summary>Stop it and free its capacity; the next window starts the work afresh.</summary>
    Stop = 0,

    /// <summary>Pause it where it is (keeping its placement and memory) and resume in the next window.</summary>
    Pause = 1,
}
