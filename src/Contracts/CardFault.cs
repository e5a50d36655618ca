using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// A card its daemon found broken: fallen off the bus, uncorrectable memory errors, a failed row remapping. A faulted
/// card takes no work, and the runs on it are lost (they restart or fail by their tasks' restart policies), until its
/// daemon reports it healthy again (a reset or a reboot clears the fault).
/// </summary>
/// <param name="GpuId">The card.</param>
/// <param name="Reason">What the hardware (or the model) said, in words.</param>
[GenerateSerializer, Alias("orion.CardFault"), Immutable]
public sealed record CardFault(
    [property: Id(0)] string GpuId,
    [property: Id(1)] string Reason)
{
    /// <summary>The longest reason a registration may carry.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>Why <paramref name="gpuId"/> is broken by <paramref name="faults"/>, or null when they do not name it.</summary>
    public static string? ReasonFor(ImmutableArray<CardFault> faults, string gpuId)
    {
        if (!faults.IsDefaultOrEmpty)
        {
            foreach (var f in faults)
            {
                if (f.GpuId == gpuId)
                {
                    return f.Reason;
                }
            }
        }

        return null;
    }
}
