using System.Text;

namespace Orion.Contracts;

/// <summary>
/// Where the members of a gang placed together find each other, as PyTorch's <c>env://</c> rendezvous and torchrun ask:
/// each member's rank, and the address and port of rank 0's node. The scheduler sets it when it places the gang whole;
/// a process member gets it as <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, <c>WORLD_SIZE</c>, <c>RANK</c> and the
/// <c>ORION_GANG*</c> variables.
/// </summary>
/// <param name="Gang">The gang's name.</param>
/// <param name="Size">How many members it has (<c>WORLD_SIZE</c>).</param>
/// <param name="Rank">This member's rank, 0 to <paramref name="Size"/> − 1 (<see cref="Order"/>).</param>
/// <param name="LeaderNodeId">The node rank 0 runs on.</param>
/// <param name="LeaderAddress">That node's address (<c>MASTER_ADDR</c>), as its daemon advertises it; null when it advertises none.</param>
/// <param name="Port">The port rank 0 listens on (<c>MASTER_PORT</c>), <see cref="PortOf"/> the gang.</param>
[GenerateSerializer, Alias("orion.GangRendezvous"), Immutable]
public sealed record GangRendezvous(
    [property: Id(0)] string Gang,
    [property: Id(1)] int Size,
    [property: Id(2)] int Rank,
    [property: Id(3)] string LeaderNodeId,
    [property: Id(4)] string? LeaderAddress,
    [property: Id(5)] int Port)
{
    /// <summary>The first port <see cref="PortOf"/> gives (PyTorch's default master port).</summary>
    public const int FirstPort = 29500;

    /// <summary>How many ports <see cref="PortOf"/> spreads gangs over, below the kernel's ephemeral ports.</summary>
    public const int Ports = 1000;

    /// <summary>
    /// The members in rank order: shorter ids first, then by ordinal, so <c>job-2</c> ranks before <c>job-10</c> and every
    /// member works out the same order.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> memberIds) =>
        [.. memberIds.Distinct(StringComparer.Ordinal).OrderBy(id => id.Length).ThenBy(id => id, StringComparer.Ordinal)];

    /// <summary>
    /// The gang's port: one of <see cref="Ports"/> from <see cref="FirstPort"/>, the same for each placement of the gang
    /// (a restart finds it again) and spread by a hash of its tenant and name, so two gangs led from one node seldom meet.
    /// </summary>
    public static int PortOf(string tenant, string gang)
    {
        // FNV-1a: stable across processes and .NET versions, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes($"{tenant}/{gang}"))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return FirstPort + (int)(hash % Ports);
    }

    /// <summary>The variables a process member runs with: Orion's own, and PyTorch's.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment()
    {
        var size = Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rank = Rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> variables =
        [
            new("ORION_GANG", Gang), new("ORION_GANG_SIZE", size), new("ORION_GANG_RANK", rank), new("ORION_GANG_LEADER", LeaderNodeId),
            new("MASTER_PORT", port), new("WORLD_SIZE", size), new("RANK", rank), new("NODE_RANK", rank),
        ];
        if (LeaderAddress is { } address)
        {
            variables.Add(new("MASTER_ADDR", address));
        }

        return variables;
    }

    /// <summary>"rank 2 of 4, rendezvous 10.0.0.5:29517 (dc1/node-3)".</summary>
    public override string ToString() => $"rank {Rank} of {Size}, rendezvous {LeaderAddress ?? "?"}:{Port} ({LeaderNodeId})";
}
