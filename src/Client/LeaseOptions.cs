namespace Orion.Client;

/// <summary>How a <see cref="VGpuLease"/> signals demand.</summary>
public sealed class LeaseOptions
{
    /// <summary>
    /// How long after its last request the lease tells the pool it went idle (a burst does not thrash); from 0 to about
    /// 49.7 days (a timer's range).
    /// </summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The task id to use (<see cref="Orion.Contracts.TaskIdFormat.Rule"/>); a new unique one when null.</summary>
    public string? TaskId { get; set; }
}
