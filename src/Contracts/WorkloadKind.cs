namespace Orion.Contracts;

/// <summary>What a task runs.</summary>
[GenerateSerializer, Alias("orion.WorkloadKind")]
public enum WorkloadKind
{
    /// <summary>A simulated online service: runs until cancelled, using GPU time per request.</summary>
    Service = 0,

    /// <summary>A simulated batch: N items, each taking some GPU time.</summary>
    Batch = 1,

    /// <summary>A simulated training job: N steps, each taking some GPU time, with a memory footprint.</summary>
    Training = 2,

    /// <summary>A real process launched on the node (NVIDIA backend).</summary>
    Process = 3,
}
