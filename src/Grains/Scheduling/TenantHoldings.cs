using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// What each tenant holds on a data centre's cards (compute and memory of its slices), kept from the nodes' snapshots as
/// they come: a scheduler's input to fair sharing. Pure.
/// </summary>
public sealed class TenantHoldings
{
    private readonly Dictionary<string, Dictionary<string, (long ComputeMilli, long MemoryMiB)>> byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long ComputeMilli, long MemoryMiB)> totals = new(StringComparer.Ordinal);

    /// <summary>The number of tenants holding anything.</summary>
    public int Count => totals.Count;

    /// <summary>Replaces what <paramref name="snapshot"/>'s node held with what it holds now.</summary>
    public void Update(NodeSnapshot snapshot)
    {
        if (byNode.Remove(snapshot.NodeId, out var before))
        {
            foreach (var (tenant, held) in before)
            {
                Add(tenant, -held.ComputeMilli, -held.MemoryMiB);
            }
        }

        Dictionary<string, (long ComputeMilli, long MemoryMiB)>? now = null;
        foreach (var card in snapshot.Gpus)
        {
            foreach (var slice in card.Slices)
            {
                if (slice.Tenant is not { } tenant)
                {
                    continue;
                }

                now ??= new Dictionary<string, (long, long)>(StringComparer.Ordinal);
                var (compute, memory) = now.GetValueOrDefault(tenant);
                now[tenant] = (compute + slice.ComputeMilli, memory + slice.MemoryMiB);
            }
        }

        if (now is null)
        {
            return;
        }

        byNode[snapshot.NodeId] = now;
        foreach (var (tenant, held) in now)
        {
            Add(tenant, held.ComputeMilli, held.MemoryMiB);
        }
    }

    /// <summary>What <paramref name="tenant"/> holds over the nodes seen.</summary>
    public (long ComputeMilli, long MemoryMiB) Of(string tenant) => totals.GetValueOrDefault(tenant);

    private void Add(string tenant, long computeMilli, long memoryMiB)
    {
        var (compute, memory) = totals.GetValueOrDefault(tenant);
        (compute, memory) = (compute + computeMilli, memory + memoryMiB);
        if (compute == 0 && memory == 0)
        {
            totals.Remove(tenant);
        }
        else
        {
            totals[tenant] = (compute, memory);
        }
    }
}
