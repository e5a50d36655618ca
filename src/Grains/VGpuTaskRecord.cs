using Orion.Contracts;

namespace Orion.Grains;

/// <summary>A task grain's persisted state.</summary>
[GenerateSerializer, Alias("orion.VGpuTaskRecord")]
public sealed class VGpuTaskRecord
{
    [Id(0)]
    public VGpuTaskStatus? Status { get; set; }

    /// <summary>The last demand transition's sequence; older ones are stale.</summary>
    [Id(1)]
    public long DemandSequence { get; set; }

    /// <summary>The online demand in force.</summary>
    [Id(2)]
    public bool Busy { get; set; }

    /// <summary>True while paused because its window closed (Pause policy), as opposed to arbitration.</summary>
    [Id(3)]
    public bool WindowPaused { get; set; }

    /// <summary>Tasks that run after this one (<see cref="TaskSpec.After"/>), told when it ends.</summary>
    [Id(4)]
    public HashSet<string>? Dependents { get; set; }

    /// <summary>The task's time paused when its current run started: the run's own pauses do not count against its limit.</summary>
    [Id(5)]
    public TimeSpan PausedBeforeRun { get; set; }

    /// <summary>The run whose usage its tenant's meter has not taken yet (its call failed): reported again at the reminder.</summary>
    [Id(6)]
    public DateTimeOffset? UnreportedFrom { get; set; }

    [Id(7)]
    public DateTimeOffset? UnreportedTo { get; set; }

    /// <summary>The data centre of that run's node (<see cref="UsageReport.DataCenter"/>).</summary>
    [Id(11)]
    public string? UnreportedDataCenter { get; set; }

    /// <summary>True while an operator has the run paused (<see cref="IVGpuTaskGrain.Pause"/>): arbitration does not resume it.</summary>
    [Id(8)]
    public bool OperatorPaused { get; set; }

    /// <summary>The generation whose end (or start) its notify URL has not yet taken (<see cref="TaskSpec.Notify"/>): sent again at the reminder.</summary>
    [Id(9)]
    public long? NotifyDue { get; set; }

    /// <summary>The state due with <see cref="NotifyDue"/>: an end, or Running for a start (<see cref="TaskSpec.NotifyOnStart"/>).</summary>
    [Id(10)]
    public TaskState? NotifyDueState { get; set; }
}
