using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>A memory move in flight: pages of one process, one way, ending at a set time.</summary>
internal sealed class SimulatedTransfer(SimulatedProcess process, bool toHost, long pages, DateTimeOffset requestedAt, DateTimeOffset endsAt)
{
    public SimulatedProcess Process { get; } = process;

    public bool ToHost { get; } = toHost;

    public long Pages { get; } = pages;

    public DateTimeOffset RequestedAt { get; } = requestedAt;

    public DateTimeOffset EndsAt { get; } = endsAt;

    public TaskCompletionSource<SwapResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
